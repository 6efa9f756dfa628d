#pragma once
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "orchestrator/store.h"
#include "protocol/sealed_text.h"
#include "wire/orchestrator/sqlite_db.h"

namespace checkride {

// The orchestrator's durable state in SQLite (WAL): sagas, idempotency keys, grants,
// consents and the hash-chained audit log. Reads come from memory; every write goes
// through to the database before the call returns, which is the write-ahead point the core
// relies on: a saga is durable before the provider call it describes leaves.
//
// A write that fails throws StoreError. The memory then runs ahead of the disk, so the
// caller wraps each input in begin()/commit(), and on failure calls rollback() and reload():
// memory is then what the last commit left, as after a restart.
//
// Not thread-safe: the service calls it under the same lock as the orchestrator core.
class SqliteStore : public Store, private AuditSink {
 public:
  // Opens (or creates) the store and loads what an earlier process left. Throws StoreError
  // naming the table and row of a row that does not decode.
  explicit SqliteStore(SqliteDb& db);
  ~SqliteStore() override;

  SagaId create_saga(SagaRecord record) override;
  SagaRecord* saga(SagaId id) override;
  void save(SagaId id) override;
  void for_each_saga(const std::function<void(const SagaRecord&)>& fn) const override;
  const IdList& sagas_of(SessionId session) const override;
  void retire_session(SessionId session, UserId user) override;
  SagaId saga_for_key(IdempotencyKey key) const override;
  void put_key(IdempotencyKey key, SagaId id) override;
  const SessionGrant* grant(UserId user) const override;
  void put_grant(const SessionGrant& grant) override;
  std::vector<ConsentRecord>& consents(SessionId session) override { return consents_[session]; }
  void save_consents(SessionId session) override;
  AuditSink* audit_sink() override { return this; }
  uint64_t audit_count() const override { return audit_count_; }
  Sha256 audit_head() const override { return audit_head_; }

  // Which user opened `session` (0: never opened). A session belongs to that user for good:
  // the service refuses an action or a consent in it for anyone else.
  UserId session_owner(SessionId session) const;
  void own_session(SessionId session, UserId user);

  void begin();
  void commit();
  void rollback();
  void reload();

  // Every audit record, read back from the database (for verification).
  std::vector<AuditRecord> read_audit() const;
  uint64_t writes() const { return writes_; }

 private:
  void append(uint64_t seq, std::string_view line, const Sha256& hash) override;
  void load();

  SqliteDb& db_;
  struct Statements;
  std::unique_ptr<Statements> st_;
  std::map<SagaId, SagaRecord> sagas_;  // ordered: recover() walks them in id order
  SagaId last_saga_ = 0;
  struct SessionIndex {
    IdList sagas;
    IdList keys;
  };
  std::unordered_map<SessionId, SessionIndex> sessions_;
  std::unordered_map<IdempotencyKey, SagaId> keys_;
  std::unordered_map<UserId, SessionGrant> grants_;
  std::unordered_map<SessionId, std::vector<ConsentRecord>> consents_;
  std::unordered_map<SessionId, UserId> owners_;
  uint64_t audit_count_ = 0;
  Sha256 audit_head_{};
  uint64_t writes_ = 0;
};

// The signatures of accepted requests, kept until their replay window closes, so a signed
// request captured before a restart is refused after it too. Thread-safe.
class SignatureJournal {
 public:
  explicit SignatureJournal(SqliteDb& db);
  ~SignatureJournal();
  // The signatures still inside their window at `now_unix`, with when each may be forgotten.
  std::vector<std::pair<std::string, int64_t>> load(int64_t now_unix);
  // Throws StoreError when it cannot be kept: the request must then not run.
  void record(const std::string& signature, int64_t forget_after, int64_t now_unix);

 private:
  SqliteDb& db_;
  struct Statements;
  std::unique_ptr<Statements> st_;
  std::mutex mu_;
  int64_t last_sweep_ = 0;
};

// Provider and caller ids are strings ("pi_3Mtw…", "user_7", an access token); the core
// works with dense integers. This table gives each string a number that survives restarts.
// Thread-safe: adapters intern replies on their own threads. Rows are sealed (AES-256-GCM
// under a key from the service's secret): access and refresh tokens are among them. A store
// whose rows were sealed under another secret is refused at start (StoreError).
class ExternalNames {
 public:
  ExternalNames(SqliteDb& db, std::string_view secret);
  ~ExternalNames();
  uint64_t intern(const std::string& text);      // 0 for ""
  std::string text(uint64_t id) const;           // "" for 0 or unknown
  uint64_t find(const std::string& text) const;  // 0 when never interned

 private:
  SqliteDb& db_;
  TextSealer sealer_;
  struct Statements;
  std::unique_ptr<Statements> st_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, uint64_t> ids_;
  std::unordered_map<uint64_t, std::string> texts_;
};

}  // namespace checkride
