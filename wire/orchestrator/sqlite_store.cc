#include "wire/orchestrator/sqlite_store.h"

#include <algorithm>

#include "protocol/invariant.h"
#include "wire/orchestrator/saga_codec.h"

namespace checkride {
namespace {

// SQLite integers are signed; keys and ids are stored bit for bit.
int64_t as_sql(uint64_t v) { return static_cast<int64_t>(v); }
uint64_t from_sql(int64_t v) { return static_cast<uint64_t>(v); }

const char* kSchema = R"(
CREATE TABLE IF NOT EXISTS sagas (id INTEGER PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS idempotency_keys (key INTEGER PRIMARY KEY, saga INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS grants (user INTEGER PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS consents (session INTEGER PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audit (seq INTEGER PRIMARY KEY, line TEXT NOT NULL, hash BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS session_owners (session INTEGER PRIMARY KEY, user INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS seen_signatures (mac BLOB PRIMARY KEY, expires INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS names (id INTEGER PRIMARY KEY AUTOINCREMENT, text TEXT NOT NULL UNIQUE);
)";

}  // namespace

struct SqliteStore::Statements {
  explicit Statements(SqliteDb& db)
      : put_saga(db, "INSERT OR REPLACE INTO sagas (id, body) VALUES (?, ?)"),
        delete_saga(db, "DELETE FROM sagas WHERE id = ?"),
        put_key(db, "INSERT OR REPLACE INTO idempotency_keys (key, saga) VALUES (?, ?)"),
        delete_key(db, "DELETE FROM idempotency_keys WHERE key = ?"),
        put_grant(db, "INSERT OR REPLACE INTO grants (user, body) VALUES (?, ?)"),
        delete_grant(db, "DELETE FROM grants WHERE user = ?"),
        put_consents(db, "INSERT OR REPLACE INTO consents (session, body) VALUES (?, ?)"),
        delete_consents(db, "DELETE FROM consents WHERE session = ?"),
        append_audit(db, "INSERT INTO audit (seq, line, hash) VALUES (?, ?, ?)"),
        put_owner(db, "INSERT INTO session_owners (session, user) VALUES (?, ?)") {}
  SqliteStatement put_saga, delete_saga, put_key, delete_key, put_grant, delete_grant, put_consents,
      delete_consents, append_audit, put_owner;
};

SqliteStore::SqliteStore(SqliteDb& db) : db_(db) {
  db_.exec(kSchema);
  st_ = std::make_unique<Statements>(db_);
  load();
}

SqliteStore::~SqliteStore() = default;

// A row that does not decode stops the start: exit 2 naming the file, the table and the row,
// rather than a service that runs on part of its state.
template <typename Decode>
auto decoded(const SqliteDb& db, const char* table, int64_t row, const std::string& text,
             const Decode& decode) {
  try {
    return decode(text);
  } catch (const std::runtime_error& e) {
    throw StoreError("store " + db.path() + ": table " + table + ", row " + std::to_string(row) +
                     ": " + e.what());
  }
}

void SqliteStore::load() {
  SqliteStatement sagas(db_, "SELECT id, body FROM sagas ORDER BY id");
  while (sagas.row()) {
    SagaRecord s = decoded(db_, "sagas", sagas.integer(0), sagas.text(1), decode_saga_row);
    last_saga_ = std::max(last_saga_, s.id);
    sessions_[s.session].sagas.push_back(s.id);
    sagas_.emplace(s.id, std::move(s));
  }
  SqliteStatement keys(db_, "SELECT key, saga FROM idempotency_keys");
  while (keys.row()) {
    IdempotencyKey key = from_sql(keys.integer(0));
    SagaId id = from_sql(keys.integer(1));
    keys_[key] = id;
    auto it = sagas_.find(id);
    if (it != sagas_.end()) sessions_[it->second.session].keys.push_back(key);
  }
  SqliteStatement grants(db_, "SELECT user, body FROM grants");
  while (grants.row()) {
    SessionGrant g = decoded(db_, "grants", grants.integer(0), grants.text(1), decode_grant_row);
    grants_[g.user] = g;
  }
  SqliteStatement consents(db_, "SELECT session, body FROM consents");
  while (consents.row()) {
    consents_[from_sql(consents.integer(0))] =
        decoded(db_, "consents", consents.integer(0), consents.text(1), decode_consents_row);
  }
  SqliteStatement owners(db_, "SELECT session, user FROM session_owners");
  while (owners.row()) owners_[from_sql(owners.integer(0))] = from_sql(owners.integer(1));
  SqliteStatement head(db_, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1");
  if (head.row()) {
    audit_count_ = from_sql(head.integer(0)) + 1;
    std::string h = head.blob(1);
    std::copy_n(h.begin(), std::min(h.size(), audit_head_.size()), audit_head_.begin());
  }
}

void SqliteStore::begin() { db_.begin(); }
void SqliteStore::commit() { db_.commit(); }
void SqliteStore::rollback() { db_.rollback(); }

void SqliteStore::reload() {
  sagas_.clear();
  last_saga_ = 0;
  sessions_.clear();
  keys_.clear();
  grants_.clear();
  consents_.clear();
  owners_.clear();
  audit_count_ = 0;
  audit_head_ = Sha256{};
  load();
}

SagaId SqliteStore::create_saga(SagaRecord record) {
  record.id = ++last_saga_;
  SagaId id = record.id;
  sessions_[record.session].sagas.push_back(id);
  sagas_.emplace(id, std::move(record));
  save(id);
  return id;
}

SagaRecord* SqliteStore::saga(SagaId id) {
  auto it = sagas_.find(id);
  return it == sagas_.end() ? nullptr : &it->second;
}

void SqliteStore::save(SagaId id) {
  auto it = sagas_.find(id);
  if (it == sagas_.end()) return;
  st_->put_saga.bind(1, as_sql(id)).bind(2, saga_to_json(it->second).dump()).run();
  ++writes_;
}

void SqliteStore::for_each_saga(const std::function<void(const SagaRecord&)>& fn) const {
  for (const auto& [id, s] : sagas_) fn(s);
}

const IdList& SqliteStore::sagas_of(SessionId session) const {
  return ids_of(sessions_, session, &SessionIndex::sagas);
}

void SqliteStore::retire_session(SessionId session, UserId user) {
  const bool own_transaction = !db_.in_transaction();  // else it is part of the caller's
  if (own_transaction) db_.begin();
  auto it = sessions_.find(session);
  if (it != sessions_.end()) {
    for (SagaId id : it->second.sagas) {
      sagas_.erase(id);
      st_->delete_saga.bind(1, as_sql(id)).run();
    }
    for (IdempotencyKey key : it->second.keys) {
      keys_.erase(key);
      st_->delete_key.bind(1, as_sql(key)).run();
    }
    sessions_.erase(it);
  }
  consents_.erase(session);
  st_->delete_consents.bind(1, as_sql(session)).run();
  grants_.erase(user);
  st_->delete_grant.bind(1, as_sql(user)).run();
  if (own_transaction) db_.commit();
  ++writes_;
}

UserId SqliteStore::session_owner(SessionId session) const {
  auto it = owners_.find(session);
  return it == owners_.end() ? 0 : it->second;
}

void SqliteStore::own_session(SessionId session, UserId user) {
  CHECKRIDE_INVARIANT(session_owner(session) == 0 || session_owner(session) == user,
                      "a session, once opened, belongs to one user");
  if (session_owner(session) == user) return;
  st_->put_owner.bind(1, as_sql(session)).bind(2, as_sql(user)).run();
  owners_[session] = user;
  ++writes_;
}

SagaId SqliteStore::saga_for_key(IdempotencyKey key) const {
  auto it = keys_.find(key);
  return it == keys_.end() ? 0 : it->second;
}

void SqliteStore::put_key(IdempotencyKey key, SagaId id) {
  keys_[key] = id;
  auto it = sagas_.find(id);
  if (it != sagas_.end()) sessions_[it->second.session].keys.push_back(key);
  st_->put_key.bind(1, as_sql(key)).bind(2, as_sql(id)).run();
  ++writes_;
}

const SessionGrant* SqliteStore::grant(UserId user) const {
  auto it = grants_.find(user);
  return it == grants_.end() ? nullptr : &it->second;
}

void SqliteStore::put_grant(const SessionGrant& g) {
  grants_[g.user] = g;
  st_->put_grant.bind(1, as_sql(g.user)).bind(2, grant_to_json(g).dump()).run();
  ++writes_;
}

void SqliteStore::save_consents(SessionId session) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& c : consents_[session]) list.push_back({c.amount, c.granted, c.charge});
  st_->put_consents.bind(1, as_sql(session)).bind(2, list.dump()).run();
  ++writes_;
}

void SqliteStore::append(uint64_t seq, std::string_view line, const Sha256& hash) {
  st_->append_audit.bind(1, as_sql(seq))
      .bind(2, line)
      .bind_blob(3, hash.data(), static_cast<int>(hash.size()))
      .run();
  audit_count_ = seq + 1;
  audit_head_ = hash;
}

std::vector<AuditRecord> SqliteStore::read_audit() const {
  std::vector<AuditRecord> out;
  SqliteStatement all(db_, "SELECT seq, line, hash FROM audit ORDER BY seq");
  while (all.row()) {
    AuditRecord r;
    r.seq = from_sql(all.integer(0));
    r.line = all.text(1);
    std::string h = all.blob(2);
    std::copy_n(h.begin(), std::min(h.size(), r.hash.size()), r.hash.begin());
    out.push_back(std::move(r));
  }
  return out;
}

struct SignatureJournal::Statements {
  explicit Statements(SqliteDb& db)
      : insert(db, "INSERT OR IGNORE INTO seen_signatures (mac, expires) VALUES (?, ?)"),
        sweep(db, "DELETE FROM seen_signatures WHERE expires < ?") {}
  SqliteStatement insert, sweep;
};

SignatureJournal::SignatureJournal(SqliteDb& db) : db_(db) {
  db_.exec(kSchema);
  st_ = std::make_unique<Statements>(db_);
}

SignatureJournal::~SignatureJournal() = default;

std::vector<std::pair<std::string, int64_t>> SignatureJournal::load(int64_t now_unix) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::pair<std::string, int64_t>> out;
  SqliteStatement live(db_, "SELECT mac, expires FROM seen_signatures WHERE expires >= ?");
  live.bind(1, now_unix);
  while (live.row()) out.emplace_back(live.text(0), live.integer(1));
  return out;
}

void SignatureJournal::record(const std::string& signature, int64_t forget_after,
                              int64_t now_unix) {
  std::lock_guard<std::mutex> lock(mu_);
  st_->insert.bind(1, signature).bind(2, forget_after).run();
  if (now_unix - last_sweep_ >= 60) {  // what has left its window, once a minute
    st_->sweep.bind(1, now_unix).run();
    last_sweep_ = now_unix;
  }
}

struct ExternalNames::Statements {
  explicit Statements(SqliteDb& db)
      : insert(db, "INSERT INTO names (text) VALUES (?) RETURNING id") {}
  SqliteStatement insert;
};

ExternalNames::ExternalNames(SqliteDb& db, std::string_view secret) : db_(db), sealer_(secret) {
  db_.exec(kSchema);
  st_ = std::make_unique<Statements>(db_);
  SqliteStatement all(db_, "SELECT id, text FROM names");
  while (all.row()) {
    uint64_t id = from_sql(all.integer(0));
    std::optional<std::string> opened = sealer_.open(all.text(1));
    if (!opened) {
      throw StoreError("store " + db_.path() + ": table names, row " + std::to_string(id) +
                       ": sealed under another secret (was the service's --secret changed?)");
    }
    std::string text = std::move(*opened);
    ids_[text] = id;
    texts_[id] = std::move(text);
  }
}

ExternalNames::~ExternalNames() = default;

uint64_t ExternalNames::intern(const std::string& text) {
  if (text.empty()) return 0;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = ids_.find(text);
  if (it != ids_.end()) return it->second;
  // RETURNING, not last_insert_rowid(): the connection is shared with the store's thread.
  st_->insert.bind(1, sealer_.seal(text));
  uint64_t id = st_->insert.row() ? from_sql(st_->insert.integer(0)) : 0;
  st_->insert.run();
  ids_[text] = id;
  texts_[id] = text;
  return id;
}

std::string ExternalNames::text(uint64_t id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = texts_.find(id);
  return it == texts_.end() ? std::string() : it->second;
}

uint64_t ExternalNames::find(const std::string& text) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = ids_.find(text);
  return it == ids_.end() ? 0 : it->second;
}

}  // namespace checkride
