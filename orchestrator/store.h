#pragma once
#include <functional>
#include <unordered_map>
#include <vector>

#include "orchestrator/audit_log.h"
#include "orchestrator/saga.h"
#include "protocol/action.h"
#include "protocol/id_list.h"
#include "protocol/retiring_table.h"

namespace checkride {

// The user's answer to a charge the agent put to them. A yes covers one charge: the first
// charge it is spent on binds it by that charge's identity (charge_identity), and only a
// retry of that same charge may use it again.
struct ConsentRecord {
  int64_t amount = 0;
  bool granted = false;
  uint64_t charge = 0;  // the identity of the charge it was spent on; 0 while unspent
};

// The orchestrator's durable state. Everything here survives a crash; everything else in
// the orchestrator is rebuilt from it by recover(). The core calls save() before an effect
// leaves (write-ahead); an implementation may persist at that point.
class Store {
 public:
  virtual ~Store() = default;

  virtual SagaId create_saga(SagaRecord record) = 0;  // assigns the id
  virtual SagaRecord* saga(SagaId id) = 0;
  virtual void save(SagaId id) = 0;
  // Visits every saga in id order (deterministic).
  virtual void for_each_saga(const std::function<void(const SagaRecord&)>& fn) const = 0;

  // The session's sagas in id order.
  virtual const IdList& sagas_of(SessionId session) const = 0;
  // Forgets a settled session (its sagas, keys and consents) and its user's grant.
  virtual void retire_session(SessionId session, UserId user) = 0;

  virtual SagaId saga_for_key(IdempotencyKey key) const = 0;  // 0 if none
  virtual void put_key(IdempotencyKey key, SagaId id) = 0;

  virtual const SessionGrant* grant(UserId user) const = 0;
  virtual void put_grant(const SessionGrant& grant) = 0;

  virtual std::vector<ConsentRecord>& consents(SessionId session) = 0;
  virtual void save_consents(SessionId session) = 0;

  virtual AuditSink* audit_sink() = 0;
  virtual uint64_t audit_count() const = 0;
  virtual Sha256 audit_head() const = 0;
};

// Durable across orchestrator crashes in the simulator: it is owned by the host, not by the
// orchestrator object that a crash destroys.
class MemoryStore : public Store, private AuditSink {
 public:
  // keep_audit: keep (and hash-chain) every audit record; off in long simulated runs.
  explicit MemoryStore(bool keep_audit = true) : keep_audit_(keep_audit) {}

  SagaId create_saga(SagaRecord record) override;
  SagaRecord* saga(SagaId id) override { return sagas_.find(id); }
  void save(SagaId) override { ++writes_; }
  void for_each_saga(const std::function<void(const SagaRecord&)>& fn) const override {
    sagas_.for_each([&](uint64_t, const SagaRecord& s) { fn(s); });
  }
  const IdList& sagas_of(SessionId session) const override;
  void retire_session(SessionId session, UserId user) override;
  SagaId saga_for_key(IdempotencyKey key) const override {
    auto it = keys_.find(key);
    return it == keys_.end() ? 0 : it->second;
  }
  void put_key(IdempotencyKey key, SagaId id) override;
  const SessionGrant* grant(UserId user) const override {
    auto it = grants_.find(user);
    return it == grants_.end() ? nullptr : &it->second;
  }
  void put_grant(const SessionGrant& g) override { grants_[g.user] = g; }
  std::vector<ConsentRecord>& consents(SessionId session) override { return consents_[session]; }
  void save_consents(SessionId) override { ++writes_; }
  AuditSink* audit_sink() override { return keep_audit_ ? this : nullptr; }
  uint64_t audit_count() const override { return audit_count_; }
  Sha256 audit_head() const override { return audit_head_; }

  const std::vector<AuditRecord>& audit_records() const { return audit_; }
  uint64_t writes() const { return writes_; }

 private:
  void append(uint64_t seq, std::string_view line, const Sha256& hash) override;

  bool keep_audit_;
  struct SessionIndex {
    IdList sagas;
    IdList keys;
  };
  RetiringTable<SagaRecord> sagas_;  // pointers stay valid until retired
  std::unordered_map<IdempotencyKey, SagaId> keys_;
  std::unordered_map<SessionId, SessionIndex> sessions_;
  std::unordered_map<UserId, SessionGrant> grants_;
  std::unordered_map<SessionId, std::vector<ConsentRecord>> consents_;
  std::vector<AuditRecord> audit_;
  uint64_t audit_count_ = 0;
  Sha256 audit_head_{};
  uint64_t writes_ = 0;
};

}  // namespace checkride
