#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace checkride {

// Deliberate bugs for testing the harness itself: each must make a shipped scenario fail.
enum class Defect : uint8_t {
  kNoIdempotencyKeys,
  kNewKeyPerRetry,
  kNoCompensation,
  kNoTokenRefresh,
  kCommitWithoutReservation,
  kAckBeforeCapture,
  kNoConsentCheck,
  kNoCrashRecovery,
  kNoSemanticDedupe,
  kNoWebhookDedupe,
  kNoWebhookSignatureCheck,
};
constexpr int kDefectCount = 11;

struct DefectInfo {
  Defect defect;
  std::string_view name;
  std::string_view effect;     // what the orchestrator then does wrong
  std::string_view caught_by;  // metric that catches it
};
const std::vector<DefectInfo>& all_defects();
bool parse_defect(std::string_view name, Defect& out);

class DefectSet {
 public:
  void enable(Defect d) { bits_ |= 1u << static_cast<int>(d); }
  bool has(Defect d) const { return bits_ & (1u << static_cast<int>(d)); }
  bool empty() const { return bits_ == 0; }

 private:
  uint32_t bits_ = 0;
};

}  // namespace checkride
