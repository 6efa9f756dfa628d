// `record import` on arbitrary files in every transcript shape: the first byte picks --from
// (auto or a format), the rest is the file. An import either writes a cassette (exit 0) or
// refuses with a message naming the file (exit 2); nothing else escapes, and a refused import
// leaves no cassette behind.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "recorder/importer.h"

namespace {

void require(bool holds) {
  if (!holds) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string dir = "/tmp/checkride-fuzz-formats-" + std::to_string(getpid());
  static const char* kFrom[] = {"auto",      "openai", "openai-responses", "anthropic", "gemini",
                                "dashscope", "mcp",    "otel-genai",       "langsmith", "langfuse"};
  if (size == 0) return 0;
  std::filesystem::create_directories(dir);
  const std::string file = dir + "/t.json", out = dir + "/out.jsonl";
  {
    std::ofstream f(file, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(data) + 1, static_cast<std::streamsize>(size - 1));
  }
  std::filesystem::remove(out);
  checkride::ImportOptions o;
  o.files = {file};
  o.from = kFrom[data[0] % std::size(kFrom)];
  o.allow_empty = (data[0] & 0x80) != 0;
  o.actions = {"get_order_details", "cancel_pending_order", "placeOrder"};
  o.out = out;
  std::ostringstream said, err;
  const int rc = checkride::run_import(o, said, err);
  require(rc == 0 || rc == 2);
  require(rc == 0 || (err.str().find(file) != std::string::npos && !std::filesystem::exists(out)));
  return 0;
}
