#include "recorder/redactor.h"

#include <regex>

#include "protocol/input_error.h"
#include "protocol/luhn.h"

namespace checkride {
namespace {

// Patterns are compiled once; std::regex is slow but recording is I/O bound, never a hot path.
const std::regex& bearer_re() {
  static const std::regex re(R"((Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{8,})", std::regex::icase);
  return re;
}
const std::regex& api_key_re() {
  static const std::regex re(R"(\b(sk|rk|pk|key)[-_][A-Za-z0-9_-]{16,})");
  return re;
}
const std::regex& email_re() {
  static const std::regex re(R"([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})");
  return re;
}
// A digit run of 13–19 digits, single spaces or dashes allowed between digits.
const std::regex& card_re() {
  static const std::regex re(R"(\b\d(?:[ -]?\d){12,18}\b)");
  return re;
}

// nlohmann throws out_of_range for an array index too large to parse: absent, as it is.
bool contains(const nlohmann::ordered_json& event,
              const nlohmann::ordered_json::json_pointer& ptr) {
  try {
    return event.contains(ptr);
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

}  // namespace

Redactor::Redactor(RedactionConfig config) : config_(std::move(config)) {
  for (const auto& path : config_.json_paths) {
    try {
      nlohmann::ordered_json::json_pointer check(path);
    } catch (const nlohmann::json::exception&) {
      throw InputError("--redact-path", 0, path, "expected a JSON pointer like /params/passport");
    }
  }
}

std::string Redactor::placeholder(const std::string& kind, const std::string& secret) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = placeholders_.find(secret);
  if (it != placeholders_.end()) return it->second;
  int n = ++counters_[kind];
  std::string p = kind == "email" ? "redacted-" + std::to_string(n) + "@example.invalid"
                                  : "[" + kind + "-" + std::to_string(n) + "]";
  placeholders_.emplace(secret, p);
  return p;
}

std::string Redactor::redact_text(const std::string& text) {
  std::string out = text;
  auto replace_all = [&](const std::regex& re, auto&& replacement) {
    std::string result;
    auto begin = std::sregex_iterator(out.begin(), out.end(), re);
    std::size_t last = 0;
    for (auto it = begin; it != std::sregex_iterator(); ++it) {
      const std::smatch& m = *it;
      result.append(out, last, static_cast<std::size_t>(m.position(0)) - last);
      result += replacement(m);
      last = static_cast<std::size_t>(m.position(0) + m.length(0));
    }
    result.append(out, last, std::string::npos);
    out = std::move(result);
  };
  if (config_.bearer_tokens) {
    replace_all(bearer_re(), [&](const std::smatch& m) {
      return m[1].str() + " " + placeholder("token", m[0].str().substr(m[1].length() + 1));
    });
    replace_all(api_key_re(), [&](const std::smatch& m) { return placeholder("key", m[0]); });
  }
  if (config_.emails) {
    replace_all(email_re(), [&](const std::smatch& m) { return placeholder("email", m[0]); });
  }
  if (config_.card_numbers) {
    replace_all(card_re(), [&](const std::smatch& m) {
      std::string digits;
      for (char c : m[0].str()) {
        if (c >= '0' && c <= '9') digits.push_back(c);
      }
      // Only Luhn-valid runs: order numbers and timestamps pass through.
      return luhn_valid(digits) ? placeholder("card", digits) : m[0].str();
    });
  }
  return out;
}

void Redactor::redact_node(nlohmann::ordered_json& node) {
  if (node.is_string()) {
    node = redact_text(node.get_ref<const std::string&>());
  } else if (node.is_number_integer() || node.is_number_unsigned()) {
    // A card number typed as a JSON number is still a card number.
    if (config_.card_numbers) {
      std::string text = node.dump();
      std::string red = redact_text(text);
      if (red != text) node = red;
    }
  } else if (node.is_structured()) {
    for (auto& child : node) redact_node(child);
  }
}

namespace {

// The text a redacted field's value can reappear as elsewhere in an event: itself, and the
// string leaves inside it. Short ones are skipped: blanking "1" everywhere would wreck the
// recording and hide nothing.
void secret_texts(const nlohmann::ordered_json& value, std::vector<std::string>& out) {
  constexpr std::size_t kShortest = 4;
  if (value.is_string()) {
    const std::string& s = value.get_ref<const std::string&>();
    if (s.size() >= kShortest) out.push_back(s);
  } else if (value.is_number()) {
    std::string s = value.dump();
    if (s.size() >= kShortest) out.push_back(s);
  } else if (value.is_structured()) {
    for (const auto& child : value) secret_texts(child, out);
  }
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at)) {
    text.replace(at, from.size(), to);
    at += to.size();
  }
}

}  // namespace

void Redactor::scrub(nlohmann::ordered_json& node) {
  if (node.is_string()) {
    std::string text = node.get<std::string>();
    bool changed = false;
    for (const auto& [secret, mark] : path_secrets_) {
      // As written, and as it appears JSON-escaped inside a string of arguments.
      std::string escaped = nlohmann::ordered_json(secret).dump();
      escaped = escaped.substr(1, escaped.size() - 2);
      for (const std::string* form : std::initializer_list<const std::string*>{&secret, &escaped}) {
        if (text.find(*form) != std::string::npos) {
          replace_all(text, *form, mark);
          changed = true;
        }
      }
    }
    if (changed) node = text;
  } else if (node.is_structured()) {
    for (auto& child : node) scrub(child);
  }
}

void Redactor::redact(nlohmann::ordered_json& event) {
  {
    std::lock_guard<std::mutex> lock(paths_mu_);
    for (const auto& path : config_.json_paths) {
      nlohmann::ordered_json::json_pointer ptr(path);
      if (!contains(event, ptr)) continue;
      auto& field = event[ptr];
      const std::string mark = placeholder("redacted", field.dump());
      std::vector<std::string> texts;
      secret_texts(field, texts);
      for (const auto& t : texts) path_secrets_.emplace(t, mark);
      field = mark;
    }
    // The same value elsewhere (the model's raw tool-call arguments, a streamed fragment, a
    // later event) is blanked too: a redacted path is redacted wherever it lands on disk.
    if (!path_secrets_.empty()) scrub(event);
  }
  redact_node(event);
}

std::vector<std::string> Redactor::rule_names() const {
  std::vector<std::string> out = {"authorization_headers"};
  if (config_.bearer_tokens) out.push_back("bearer_tokens");
  if (config_.card_numbers) out.push_back("card_numbers");
  if (config_.emails) out.push_back("emails");
  for (const auto& p : config_.json_paths) out.push_back("path:" + p);
  return out;
}

}  // namespace checkride
