#include "recorder/redactor.h"

#include <string_view>
#include <vector>

#include "protocol/input_error.h"
#include "protocol/luhn.h"

namespace checkride {
namespace {

// The secrets' shapes, as linear scanners rather than std::regex: libstdc++'s regex recurses
// per character, so a long unbroken token (a base64 image, a hex blob) in a real transcript
// overflowed the stack, and below that it was quadratic. Each scanner finds what its pattern
// did, leftmost first and greedy, and resumes after each match:
//   token  (Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{8,}       (the words in any case)
//   key    \b(sk|rk|pk|key)[-_][A-Za-z0-9_-]{16,}
//   email  [A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}
//   card   \b\d(?:[ -]?\d){12,18}\b
struct Found {
  std::size_t at = 0;
  std::size_t length = 0;
  std::size_t word = 0;  // a token: the length of the word before it
};

bool is_alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_word(char c) { return is_alpha(c) || is_digit(c) || c == '_'; }
bool is_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
bool is_token_char(char c) {
  return is_alpha(c) || is_digit(c) || c == '.' || c == '_' || c == '~' || c == '+' || c == '/' ||
         c == '=' || c == '-';
}
bool is_key_char(char c) { return is_word(c) || c == '-'; }
bool is_local_char(char c) {
  return is_alpha(c) || is_digit(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}
bool is_label_char(char c) { return is_alpha(c) || is_digit(c) || c == '-'; }

bool word_boundary_before(const std::string& s, std::size_t i) {
  return i == 0 || !is_word(s[i - 1]);
}

std::size_t run_of(const std::string& s, std::size_t i, bool (*in)(char)) {
  std::size_t j = i;
  while (j < s.size() && in(s[j])) ++j;
  return j - i;
}

bool starts_with_nocase(const std::string& s, std::size_t i, std::string_view word) {
  if (s.size() - i < word.size()) return false;
  for (std::size_t k = 0; k < word.size(); ++k) {
    char c = s[i + k];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != word[k]) return false;
  }
  return true;
}

bool token_at(const std::string& s, std::size_t i, Found& f) {
  for (std::string_view word : {"bearer", "basic", "token"}) {
    if (!starts_with_nocase(s, i, word)) continue;
    std::size_t spaces = run_of(s, i + word.size(), is_space);
    if (spaces == 0) return false;
    std::size_t token = run_of(s, i + word.size() + spaces, is_token_char);
    if (token < 8) return false;
    f = Found{i, word.size() + spaces + token, word.size()};
    return true;
  }
  return false;
}

bool key_at(const std::string& s, std::size_t i, Found& f) {
  if (!word_boundary_before(s, i)) return false;
  std::size_t prefix = 0;
  for (std::string_view p : {"sk", "rk", "pk", "key"}) {
    if (s.compare(i, p.size(), p) == 0) prefix = p.size();
  }
  if (prefix == 0 || i + prefix >= s.size() || (s[i + prefix] != '-' && s[i + prefix] != '_')) {
    return false;
  }
  std::size_t rest = run_of(s, i + prefix + 1, is_key_char);
  if (rest < 16) return false;
  f = Found{i, prefix + 1 + rest, 0};
  return true;
}

// Where a domain starting at `i` ends: labels, then a last part of two or more letters after
// a dot (the most labels that leave one); 0 when there is none.
std::size_t domain_end(const std::string& s, std::size_t i) {
  std::vector<std::size_t> labels;  // where each label after the first starts
  std::size_t j = i + run_of(s, i, is_label_char);
  if (j == i) return 0;
  while (j + 1 < s.size() && s[j] == '.' && is_label_char(s[j + 1])) {
    labels.push_back(j + 1);
    j = j + 1 + run_of(s, j + 1, is_label_char);
  }
  for (std::size_t k = labels.size(); k-- > 0;) {
    std::size_t letters = run_of(s, labels[k], is_alpha);
    if (letters >= 2) return labels[k] + letters;
  }
  return 0;
}

bool card_at(const std::string& s, std::size_t i, Found& f) {
  if (!is_digit(s[i]) || !word_boundary_before(s, i)) return false;
  std::size_t j = i + 1, best = 0;
  for (int repeat = 1; repeat <= 18; ++repeat) {
    std::size_t k = j;
    if (k < s.size() && (s[k] == ' ' || s[k] == '-')) ++k;
    if (k >= s.size() || !is_digit(s[k])) break;
    j = k + 1;
    if (repeat >= 12 && (j == s.size() || !is_word(s[j]))) best = j;
  }
  if (best == 0) return false;
  f = Found{i, best - i, 0};
  return true;
}

// Every match of a scanner that tries each position in turn.
std::vector<Found> scan(const std::string& s, bool (*at)(const std::string&, std::size_t, Found&)) {
  std::vector<Found> found;
  Found f;
  for (std::size_t i = 0; i < s.size();) {
    if (at(s, i, f)) {
      found.push_back(f);
      i = f.at + f.length;
    } else {
      ++i;
    }
  }
  return found;
}

// E-mail addresses: each '@' with a local part before it and a domain after it.
std::vector<Found> scan_emails(const std::string& s) {
  std::vector<Found> found;
  for (std::size_t i = 0;;) {
    std::size_t at = s.find('@', i);
    if (at == std::string::npos) return found;
    std::size_t start = at;
    while (start > i && is_local_char(s[start - 1])) --start;
    std::size_t end = start == at ? 0 : domain_end(s, at + 1);
    if (end == 0) {
      i = at + 1;
      continue;
    }
    found.push_back(Found{start, end - start, 0});
    i = end;
  }
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
  auto replace_all = [&](const std::vector<Found>& found, auto&& replacement) {
    if (found.empty()) return;
    std::string result;
    std::size_t last = 0;
    for (const Found& f : found) {
      result.append(out, last, f.at - last);
      result += replacement(f, out.substr(f.at, f.length));
      last = f.at + f.length;
    }
    result.append(out, last, std::string::npos);
    out = std::move(result);
  };
  if (config_.bearer_tokens) {
    replace_all(scan(out, token_at), [&](const Found& f, const std::string& m) {
      return m.substr(0, f.word) + " " + placeholder("token", m.substr(f.word + 1));
    });
    replace_all(scan(out, key_at),
                [&](const Found&, const std::string& m) { return placeholder("key", m); });
  }
  if (config_.emails) {
    replace_all(scan_emails(out),
                [&](const Found&, const std::string& m) { return placeholder("email", m); });
  }
  if (config_.card_numbers) {
    replace_all(scan(out, card_at), [&](const Found&, const std::string& m) {
      std::string digits;
      for (char c : m) {
        if (is_digit(c)) digits.push_back(c);
      }
      // Only Luhn-valid runs: order numbers and timestamps pass through.
      return luhn_valid(digits) ? placeholder("card", digits) : m;
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
