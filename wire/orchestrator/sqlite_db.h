#pragma once
#include <sqlite3.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace checkride {

// The store failed: it cannot be opened, written (a full disk, a read-only file) or read
// (a corrupt row). The message names the file, and the table and row where there is one.
class StoreError : public std::runtime_error {
 public:
  explicit StoreError(const std::string& message) : std::runtime_error(message) {}
};

// One SQLite connection in WAL mode. A committed statement is in the WAL file before the
// call returns, so a killed process (kill -9) loses nothing it committed; synchronous=NORMAL
// leaves only an OS crash or power loss able to take the last commits.
class SqliteDb {
 public:
  // Opens or creates the file and proves it can be written; throws StoreError naming it
  // when it cannot be opened, read or written.
  enum class Mode { kReadWrite, kReadOnly };
  explicit SqliteDb(const std::string& path, Mode mode = Mode::kReadWrite);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  void exec(const std::string& sql);  // throws StoreError
  // One transaction: begin(), the writes, commit(). rollback() undoes an open one (after a
  // failed commit SQLite may already have), and never throws.
  void begin();
  void commit();
  void rollback();
  bool in_transaction() const;
  sqlite3* handle() const { return db_; }
  const std::string& path() const { return path_; }

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
};

// A prepared statement, reset after each use.
class SqliteStatement {
 public:
  SqliteStatement(SqliteDb& db, const char* sql);
  ~SqliteStatement();
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  SqliteStatement& bind(int index, int64_t value);
  SqliteStatement& bind(int index, std::string_view text);
  SqliteStatement& bind_blob(int index, const void* data, int n);
  bool row();  // steps; true while a row is available, false when done
  void run();  // steps a statement that returns no rows, then resets it
  void reset();
  int64_t integer(int column) const;
  std::string text(int column) const;
  std::string blob(int column) const;

 private:
  SqliteDb& db_;
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace checkride
