#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace checkride {

// Objects with sequential ids (1, 2, 3, ...) that are retired once nothing can touch them
// again. Storage comes in fixed chunks, and a chunk is freed when every id in it has been
// retired, so memory follows the objects still live, not every object ever made; one
// long-lived object pins only its own chunk. Pointers stay valid until their object is
// retired. Iteration is in id order (deterministic).
template <typename T>
class RetiringTable {
 public:
  static constexpr uint64_t kChunk = 1024;

  uint64_t add(T value) {
    uint64_t index = next_id_ - 1;
    if (index % kChunk == 0) {
      if (spare_ != nullptr) {
        chunks_.push_back(std::move(spare_));
      } else {
        chunks_.push_back(std::make_unique<Chunk>());
        chunks_.back()->slots.reserve(kChunk);  // never reallocates: pointers stay stable
      }
    }
    Chunk& c = *chunks_[index / kChunk];
    c.slots.emplace_back(std::move(value));
    ++c.live;
    ++live_;
    return next_id_++;
  }

  T* find(uint64_t id) {
    if (id == 0 || id >= next_id_) return nullptr;
    Chunk* c = chunks_[(id - 1) / kChunk].get();
    if (c == nullptr) return nullptr;
    auto& slot = c->slots[(id - 1) % kChunk];
    return slot ? &*slot : nullptr;
  }
  const T* find(uint64_t id) const { return const_cast<RetiringTable*>(this)->find(id); }

  void retire(uint64_t id) {
    if (id == 0 || id >= next_id_) return;
    auto& chunk = chunks_[(id - 1) / kChunk];
    if (chunk == nullptr) return;
    auto& slot = chunk->slots[(id - 1) % kChunk];
    if (!slot) return;
    slot.reset();
    --chunk->live;
    --live_;
    bool full = chunk->slots.size() == kChunk;
    if (chunk->live == 0 && full) {
      // Keep one emptied chunk for the next one needed: a steady run then allocates none.
      if (spare_ == nullptr) {
        chunk->slots.clear();
        spare_ = std::move(chunk);
      } else {
        chunk.reset();
      }
    }
  }

  // Visits live objects in id order: fn(id, T&).
  template <typename Fn>
  void for_each(Fn&& fn) const {
    for (std::size_t ci = 0; ci < chunks_.size(); ++ci) {
      if (chunks_[ci] == nullptr) continue;
      const auto& slots = chunks_[ci]->slots;
      for (std::size_t i = 0; i < slots.size(); ++i) {
        if (slots[i]) fn(ci * kChunk + i + 1, *slots[i]);
      }
    }
  }

  uint64_t issued() const { return next_id_ - 1; }  // ids handed out so far
  std::size_t live() const { return live_; }
  // Chunks of storage still allocated (each holds kChunk slots).
  std::size_t chunks_held() const {
    std::size_t n = 0;
    for (const auto& c : chunks_) n += c != nullptr;
    return n;
  }

 private:
  struct Chunk {
    std::vector<std::optional<T>> slots;
    uint32_t live = 0;
  };
  std::vector<std::unique_ptr<Chunk>> chunks_;  // one pointer per kChunk ids ever issued
  std::unique_ptr<Chunk> spare_;
  uint64_t next_id_ = 1;
  std::size_t live_ = 0;
};

}  // namespace checkride
