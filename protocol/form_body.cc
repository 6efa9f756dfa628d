#include "protocol/form_body.h"

#include <cctype>
#include <charconv>
#include <vector>

#include "protocol/utf8.h"

namespace checkride {
namespace {

// Stripe nests a few levels (metadata[key], items[0][price_data][recurring]); anything deeper
// is not a request, and would make every recursive walk over it a stack risk.
constexpr std::size_t kMaxFormDepth = 16;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// "a[b][0]" -> {"a", "b", "0"}; false when the brackets do not pair up.
bool split_key(const std::string& key, std::vector<std::string>& parts) {
  std::size_t open = key.find('[');
  parts.push_back(key.substr(0, open));
  if (parts.front().empty()) return false;
  while (open != std::string::npos) {
    std::size_t close = key.find(']', open);
    if (close == std::string::npos) return false;
    parts.push_back(key.substr(open + 1, close - open - 1));
    open = close + 1;
    if (open == key.size()) break;
    if (key[open] != '[') return false;
  }
  return true;
}

bool is_index(const std::string& s) {
  if (s.empty() || s.size() > 6) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

void encode_into(const std::string& prefix, const nlohmann::json& v, std::string& out) {
  if (v.is_object()) {
    for (const auto& [k, child] : v.items()) {
      encode_into(prefix.empty() ? k : prefix + "[" + k + "]", child, out);
    }
    return;
  }
  if (v.is_array()) {
    for (std::size_t i = 0; i < v.size(); ++i) {
      encode_into(prefix + "[" + std::to_string(i) + "]", v[i], out);
    }
    return;
  }
  if (v.is_null()) return;
  if (!out.empty()) out += '&';
  out += percent_encode(prefix);
  out += '=';
  out += percent_encode(v.is_string() ? v.get<std::string>() : v.dump());
}

}  // namespace

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 &&
               hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string percent_encode(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '[' || c == ']') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

bool parse_form(std::string_view body, nlohmann::json& out, std::string& error) {
  out = nlohmann::json::object();
  std::size_t pos = 0;
  while (pos <= body.size()) {
    std::size_t amp = body.find('&', pos);
    std::string_view pair =
        body.substr(pos, amp == std::string_view::npos ? std::string_view::npos : amp - pos);
    pos = amp == std::string_view::npos ? body.size() + 1 : amp + 1;
    if (pair.empty()) continue;
    std::size_t eq = pair.find('=');
    std::string key = percent_decode(pair.substr(0, eq));
    std::string value = eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1));
    if (!clean_text(key) || !clean_text(value)) {
      error = "form field '" + (clean_text(key) ? key.substr(0, 80) : std::string("(key)")) +
              "' is not valid UTF-8 text (or holds a NUL byte)";
      return false;
    }
    std::vector<std::string> parts;
    if (!split_key(key, parts)) {
      error = "malformed form key '" + key.substr(0, 80) + "': expected name, name[key] or name[0]";
      return false;
    }
    if (parts.size() > kMaxFormDepth) {
      error = "form key '" + key.substr(0, 80) + "…' nests deeper than " +
              std::to_string(kMaxFormDepth) + " levels";
      return false;
    }
    nlohmann::json* node = &out;
    for (std::size_t i = 0; i < parts.size(); ++i) {
      const std::string& part = parts[i];
      bool last = i + 1 == parts.size();
      if (node->is_array() || (node->is_null() && is_index(part))) {
        if (!is_index(part)) {
          error = "form key '" + key + "' mixes list indices and names";
          return false;
        }
        if (node->is_null()) *node = nlohmann::json::array();
        std::size_t index = 0;
        auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), index);
        if (ec != std::errc() || end != part.data() + part.size() || index > node->size()) {
          error = "form key '" + key + "' skips list index " + std::to_string(node->size());
          return false;
        }
        if (index == node->size()) node->push_back(nullptr);
        node = &(*node)[index];
      } else {
        if (node->is_null()) *node = nlohmann::json::object();
        if (!node->is_object()) {
          error = "form key '" + key + "' nests under a plain value";
          return false;
        }
        node = &(*node)[part.empty() ? std::to_string(node->size()) : part];
      }
      if (last) {
        if (!node->is_null()) {
          error = "form key '" + key + "' is given twice";
          return false;
        }
        *node = value;
      }
    }
  }
  return true;
}

std::string encode_form(const nlohmann::json& fields) {
  std::string out;
  encode_into("", fields, out);
  return out;
}

}  // namespace checkride
