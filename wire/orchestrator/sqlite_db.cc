#include "wire/orchestrator/sqlite_db.h"

#include <fcntl.h>
#include <unistd.h>

namespace checkride {

SqliteDb::SqliteDb(const std::string& path, Mode mode) : path_(path) {
  const int flags = mode == Mode::kReadOnly
                        ? SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX
                        : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
  // ":memory:" (and "", a temporary store) names no file: creating one would litter the cwd.
  const bool names_a_file = !path.empty() && path != ":memory:";
  if (mode == Mode::kReadWrite && names_a_file) {
    // Created 0600 before SQLite opens it (its -wal and -shm files take the same mode): the
    // store holds the sessions' access and refresh tokens.
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0) ::close(fd);
  }
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string why = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw StoreError("cannot open store " + path + ": " + why);
  }
  if (mode == Mode::kReadOnly) {
    sqlite3_busy_timeout(db_, 5000);
    return;
  }
  try {
    // SQLite opens a file it may not write read-only, without a word: the first write
    // would then fail with sagas in flight. Refuse it now, and prove a write works.
    if (sqlite3_db_readonly(db_, "main") == 1) {
      throw StoreError("store " + path + ": the file cannot be written (read-only)");
    }
    sqlite3_busy_timeout(db_, 5000);
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=NORMAL");
    exec("CREATE TABLE IF NOT EXISTS opened (n INTEGER PRIMARY KEY, count INTEGER NOT NULL)");
    exec(
        "INSERT INTO opened (n, count) VALUES (1, 1) "
        "ON CONFLICT(n) DO UPDATE SET count = count + 1");
  } catch (const StoreError&) {
    sqlite3_close(db_);
    db_ = nullptr;
    throw;
  }
}

SqliteDb::~SqliteDb() { sqlite3_close(db_); }

void SqliteDb::exec(const std::string& sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string why = message ? message : "unknown error";
    sqlite3_free(message);
    throw StoreError("store " + path_ + ": " + why);
  }
}

// IMMEDIATE: the write lock is taken (or waited for) here, never refused mid-transaction.
void SqliteDb::begin() { exec("BEGIN IMMEDIATE"); }
void SqliteDb::commit() { exec("COMMIT"); }

void SqliteDb::rollback() {
  if (in_transaction()) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

bool SqliteDb::in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

SqliteStatement::SqliteStatement(SqliteDb& db, const char* sql) : db_(db) {
  if (sqlite3_prepare_v3(db.handle(), sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr) !=
      SQLITE_OK) {
    throw StoreError("store " + db.path() + ": " + sqlite3_errmsg(db.handle()));
  }
}

SqliteStatement::~SqliteStatement() { sqlite3_finalize(stmt_); }

SqliteStatement& SqliteStatement::bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

SqliteStatement& SqliteStatement::bind(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

SqliteStatement& SqliteStatement::bind_blob(int index, const void* data, int n) {
  sqlite3_bind_blob(stmt_, index, data, n, SQLITE_TRANSIENT);
  return *this;
}

bool SqliteStatement::row() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  std::string why = sqlite3_errmsg(db_.handle());
  sqlite3_reset(stmt_);
  throw StoreError("store " + db_.path() + ": " + why);
}

void SqliteStatement::run() {
  while (row()) {
  }
  reset();
}

void SqliteStatement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int64_t SqliteStatement::integer(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string SqliteStatement::text(int column) const {
  const unsigned char* t = sqlite3_column_text(stmt_, column);
  return t ? std::string(reinterpret_cast<const char*>(t),
                         static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)))
           : std::string();
}

std::string SqliteStatement::blob(int column) const {
  const void* b = sqlite3_column_blob(stmt_, column);
  return b ? std::string(static_cast<const char*>(b),
                         static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)))
           : std::string();
}

}  // namespace checkride
