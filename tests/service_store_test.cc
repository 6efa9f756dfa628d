// The orchestrator service and its store's disk (issue 28, points 4 and 6): a full disk
// mid-run, an unwritable or corrupt store at start, an audit sink that fails.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <filesystem>

#include "orchestrator/audit_log.h"
#include "wire/orchestrator/sqlite_store.h"
#include "wire_rig.h"

namespace checkride {
namespace {

using nlohmann::json;

// Stands in for a full disk: past `bytes`, write() fails with EFBIG for every file this
// process writes. Lifted when it goes out of scope, or by lift().
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    signal(SIGXFSZ, SIG_IGN);
    getrlimit(RLIMIT_FSIZE, &old_);
    rlimit tight = old_;
    tight.rlim_cur = bytes;
    setrlimit(RLIMIT_FSIZE, &tight);
  }
  ~FileSizeLimit() { lift(); }
  void lift() { setrlimit(RLIMIT_FSIZE, &old_); }

 private:
  rlimit old_{};
};

rlim_t file_size(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<rlim_t>(st.st_size) : 0;
}

// It aborted (SIGABRT "database or disk is full") with sagas in flight, after answering 500
// with an EXCEPTION_WHAT header naming the store's path.
TEST(ServiceStore, AFullDiskIsA503InTheApisShapeAndWhenSpaceReturnsNothingIsLost) {
  WireRig rig("scenarios/happy-orders.yaml", "store-full");
  httplib::Client c(rig.url);
  const int kShoppers = 6;
  std::vector<json> shoppers;
  for (int i = 0; i < kShoppers; ++i) {
    shoppers.push_back(open_session(rig, c, "full-" + std::to_string(i), "pm_card_visa"));
    ASSERT_FALSE(shoppers.back().is_null()) << "session " << i;
  }
  // Every name the orders use is known before the disk fills, so the orders reach the core
  // and its transaction is what fails.
  for (int i = 0; i < kShoppers; ++i) {
    std::string s = "full-" + std::to_string(i);
    json search = {{"session", s},
                   {"user", shoppers[i]["customer"]},
                   {"request_id", 1},
                   {"action", "searchCatalog"},
                   {"params", {{"query", "runner"}}},
                   {"payment_method", shoppers[i]["payment_method"]}};
    auto r = post_signed(c, "/v1/actions", search.dump(), now_unix());
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
  }
  int unavailable = 0, confirmed_while_full = 0;
  {
    const std::string db = rig.options.store_path;
    FileSizeLimit full(std::max(file_size(db), file_size(db + "-wal")));
    for (int i = 0; i < kShoppers; ++i) {
      std::string s = "full-" + std::to_string(i);
      auto r =
          post_signed(c, "/v1/actions",
                      order_action(shoppers[i], s, "pm_card_visa", "k-" + s).dump(), now_unix());
      ASSERT_TRUE(r) << "the service must answer, not die";
      EXPECT_FALSE(r->has_header("EXCEPTION_WHAT"));
      EXPECT_EQ(r->body.find(db), std::string::npos) << "the store's path leaked: " << r->body;
      if (r->status == 503) {
        ++unavailable;
        EXPECT_EQ(json::parse(r->body)["error"]["code"], "store_unavailable") << r->body;
      } else {
        EXPECT_EQ(r->status, 200) << r->body;
        confirmed_while_full += json::parse(r->body)["status"] == "confirmed";
      }
    }
  }
  EXPECT_GT(unavailable, 0) << "the limit never bit: the test proves nothing";
  // Space is back: every shopper retries with the same key and gets exactly one order.
  for (int i = 0; i < kShoppers; ++i) {
    std::string s = "full-" + std::to_string(i);
    json outcome;
    for (int attempt = 0; attempt < 20; ++attempt) {
      auto r = post_signed(c, "/v1/actions",
                           order_action(shoppers[i], s, "pm_card_visa", "k-" + s).dump(),
                           now_unix() + attempt);  // a fresh signature: not a replay
      ASSERT_TRUE(r);
      if (r->status == 200) {
        outcome = json::parse(r->body);
        if (outcome["status"] == "confirmed") break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    EXPECT_EQ(outcome["status"], "confirmed") << s << ": " << outcome.dump();
  }
  json ledger = rig.control_get("/__checkride/ledger");
  int captured = 0;
  for (const auto& pi : ledger["payment_intents"]) captured += pi["status"] == "succeeded";
  EXPECT_EQ(captured, kShoppers) << "one charge per shopper, none twice: " << ledger.dump();
  EXPECT_EQ(ledger["orders"].size(), static_cast<size_t>(kShoppers));
  auto audit = get_signed(c, "/v1/audit");
  ASSERT_TRUE(audit);
  EXPECT_EQ(json::parse(audit->body)["intact"], true) << audit->body;
  auto metrics = get_signed(c, "/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->body.find("checkride_store_failures_total 0"), std::string::npos);
}

TEST(ServiceStore, AStoreThatCannotBeWrittenIsRefusedAtStartNamingTheFile) {
  if (::geteuid() == 0) GTEST_SKIP() << "root writes read-only files";
  std::string dir = testing::temp_dir("store-readonly");
  std::string path = dir + "/orchestrator.db";
  { SqliteDb db(path); }
  ::chmod(path.c_str(), 0400);
  try {
    SqliteDb db(path);
    ADD_FAILURE() << "a read-only store was opened";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

TEST(ServiceStore, ACorruptRowIsRefusedNamingTheTableAndTheRow) {
  std::string dir = testing::temp_dir("store-corrupt");
  std::string path = dir + "/orchestrator.db";
  {
    SqliteDb db(path);
    SqliteStore store(db);
    db.exec("INSERT INTO sagas (id, body) VALUES (17, '{\"id\": 17, \"kind\": 99}')");
  }
  SqliteDb db(path);
  try {
    SqliteStore store(db);
    ADD_FAILURE() << "a corrupt row was loaded";
  } catch (const StoreError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find(path), std::string::npos) << what;
    EXPECT_NE(what.find("table sagas, row 17"), std::string::npos) << what;
  }
}

// A number past an integer's range where the store keeps an integer (a hand-edited row, a
// flipped byte) was converted with undefined behaviour (fuzz_store_rows found it): a row
// with a fraction anywhere is refused by name instead.
TEST(ServiceStore, ARowWithAFractionWhereAnIntegerBelongsIsRefusedNotConverted) {
  std::string dir = testing::temp_dir("store-fraction");
  std::string path = dir + "/orchestrator.db";
  {
    SqliteDb db(path);
    SqliteStore store(db);
    db.exec(
        "INSERT INTO grants (user, body) VALUES (3, '{\"session\": 7, \"user\": 9.2e79, "
        "\"access_token\": 21, \"refresh_token\": 22, \"expires_at\": 1, \"scopes\": 15}')");
  }
  SqliteDb db(path);
  try {
    SqliteStore store(db);
    ADD_FAILURE() << "a grant with a fractional user was loaded";
  } catch (const StoreError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("table grants, row 3"), std::string::npos) << what;
    EXPECT_NE(what.find("not an integer"), std::string::npos) << what;
  }
}

// One yes covers one charge: a yes spent before a crash must stay spent after it, or a
// restarted orchestrator would let it pay a second, different charge. Rows written before
// consents were spent load as unspent.
TEST(ServiceStore, ASpentConsentStaysSpentAcrossARestart) {
  std::string dir = testing::temp_dir("store-consents");
  std::string path = dir + "/orchestrator.db";
  {
    SqliteDb db(path);
    SqliteStore store(db);
    store.begin();
    store.consents(7) = {ConsentRecord{5000, true, 0x1234}, ConsentRecord{1800, true, 0}};
    store.save_consents(7);
    store.commit();
    db.exec("INSERT INTO consents (session, body) VALUES (8, '[[900, true]]')");
  }
  SqliteDb db(path);
  SqliteStore store(db);
  ASSERT_EQ(store.consents(7).size(), 2u);
  EXPECT_EQ(store.consents(7)[0].charge, 0x1234u);
  EXPECT_EQ(store.consents(7)[1].amount, 1800);
  EXPECT_EQ(store.consents(7)[1].charge, 0u);
  ASSERT_EQ(store.consents(8).size(), 1u);
  EXPECT_EQ(store.consents(8)[0].amount, 900);
  EXPECT_TRUE(store.consents(8)[0].granted);
  EXPECT_EQ(store.consents(8)[0].charge, 0u);
}

// A sink that fails, as the store does on a full disk.
class FailingSink : public AuditSink {
 public:
  bool fail = false;
  std::vector<AuditRecord> kept;
  void append(uint64_t seq, std::string_view line, const Sha256& hash) override {
    if (fail) throw std::runtime_error("disk full");
    kept.push_back(AuditRecord{seq, std::string(line), hash});
  }
};

// After a disk-full episode the chain read as tampered (`first_bad_seq: 1`): append moved
// the sequence and the head before the insert that failed.
TEST(ServiceStore, AFailedAuditAppendMovesNeitherTheSequenceNorTheHead) {
  FailingSink sink;
  AuditLog log(&sink, 0, Sha256{});
  log.append(1, "action", 1, 0, "placeOrder {}", 0);
  sink.fail = true;
  EXPECT_THROW(log.append(2, "reply", 1, 0, "confirmed", 100), std::runtime_error);
  EXPECT_EQ(log.count(), 1u);
  sink.fail = false;
  log.append(3, "reply", 1, 0, "confirmed", 100);
  EXPECT_EQ(verify_audit_chain(sink.kept), -1) << "the chain reads as intact";
}

}  // namespace
}  // namespace checkride
