#include "simulator/timeline_recorder.h"

namespace checkride {

Timeline TimelineRecorder::finish() const {
  Timeline t;
  if (seconds_.empty()) return t;
  const std::size_t per_bucket =
      (seconds_.size() + Timeline::kMaxBuckets - 1) / Timeline::kMaxBuckets;
  const std::size_t buckets = (seconds_.size() + per_bucket - 1) / per_bucket;
  t.bucket_ms = static_cast<int64_t>(per_bucket) * 1000;
  std::vector<uint64_t>* series[kSeriesCount] = {&t.started, &t.finished, &t.confirmed, &t.refused};
  for (auto* s : series) s->assign(buckets, 0);
  for (std::size_t i = 0; i < seconds_.size(); ++i) {
    for (int k = 0; k < kSeriesCount; ++k) (*series[k])[i / per_bucket] += seconds_[i][k];
  }
  return t;
}

}  // namespace checkride
