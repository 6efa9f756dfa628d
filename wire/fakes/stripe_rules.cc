#include "wire/fakes/stripe_rules.h"

#include <httplib.h>

#include <algorithm>
#include <array>
#include <string_view>

#include "protocol/form_body.h"

namespace checkride {
namespace {

struct CurrencyBounds {
  std::string_view code;
  int64_t minimum;  // Stripe's minimum charge amount, in minor units
  int64_t maximum;  // 8 digits for most currencies
};

// docs.stripe.com/currencies#minimum-and-maximum-charge-amounts, for the currencies the fake
// supports.
constexpr std::array<CurrencyBounds, 18> kCurrencies = {{
    {"aud", 50, 99999999},
    {"brl", 50, 99999999},
    {"cad", 50, 99999999},
    {"chf", 50, 99999999},
    {"czk", 1500, 99999999},
    {"dkk", 250, 99999999},
    {"eur", 50, 99999999},
    {"gbp", 30, 99999999},
    {"hkd", 400, 99999999},
    {"inr", 50, 99999999},
    {"jpy", 50, 99999999},
    {"mxn", 1000, 99999999},
    {"nok", 300, 99999999},
    {"nzd", 50, 99999999},
    {"pln", 200, 99999999},
    {"sek", 300, 99999999},
    {"sgd", 50, 99999999},
    {"usd", 50, 99999999},
}};

const CurrencyBounds* find_currency(const std::string& code) {
  for (const CurrencyBounds& c : kCurrencies)
    if (c.code == code) return &c;
  return nullptr;
}

std::string query_value(const httplib::Request& req, const char* name) {
  return req.has_param(name) ? req.get_param_value(name) : "";
}

}  // namespace

WireAnswer stripe_invalid(const std::string& message, const std::string& param,
                          const std::string& code) {
  WireAnswer a = error_answer(ErrorStyle::kStripe, ErrorCode::kBadRequest, 400, message, param);
  if (!code.empty()) a.body["error"]["code"] = code;
  a.keep = false;
  return a;
}

bool integer_param(const nlohmann::json& form, const char* name, int64_t& out) {
  if (!form.contains(name) || !form[name].is_string()) return false;
  const std::string& s = form[name].get_ref<const std::string&>();
  if (s.empty() || s.size() > 15) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  out = std::stoll(s);
  return true;
}

bool check_currency(const nlohmann::json& form, WireAnswer& error) {
  if (!form.contains("currency")) {
    error = stripe_invalid("Missing required param: currency.", "currency", "parameter_missing");
    return false;
  }
  const std::string& code = form["currency"].get_ref<const std::string&>();
  if (find_currency(code) != nullptr) return true;
  std::string list;
  for (const CurrencyBounds& c : kCurrencies)
    list += (list.empty() ? "" : ", ") + std::string(c.code);
  error = stripe_invalid("Invalid currency: '" + code +
                             "'. Expected a lowercase ISO code the fake supports: " + list + ".",
                         "currency", "parameter_invalid_string");
  return false;
}

bool check_amount(int64_t amount, const std::string& currency, const char* param,
                  WireAnswer& error) {
  const CurrencyBounds* c = find_currency(currency);
  if (c == nullptr) return false;
  if (amount < c->minimum) {
    error = stripe_invalid("Amount must be at least " + std::to_string(c->minimum) + " " +
                               currency + " (minor units).",
                           param, "amount_too_small");
    return false;
  }
  if (amount > c->maximum) {
    error = stripe_invalid("Amount must be no more than " + std::to_string(c->maximum) + " " +
                               currency + " (minor units).",
                           param, "amount_too_large");
    return false;
  }
  return true;
}

bool check_metadata(const nlohmann::json& form, WireAnswer& error) {
  if (!form.contains("metadata") || form["metadata"].is_string()) return true;
  const nlohmann::json& m = form["metadata"];
  if (!m.is_object()) {
    error = stripe_invalid("Invalid metadata: expected a hash of keys to strings.", "metadata");
    return false;
  }
  if (m.size() > 50) {
    error = stripe_invalid("Invalid metadata: metadata can have up to 50 keys.", "metadata");
    return false;
  }
  for (const auto& [key, value] : m.items()) {
    if (key.size() > 40) {
      error = stripe_invalid("Invalid metadata: keys can be at most 40 characters long.",
                             "metadata[" + key.substr(0, 40) + "]");
      return false;
    }
    if (!value.is_string()) {
      error = stripe_invalid("Invalid metadata: values must be strings.", "metadata[" + key + "]");
      return false;
    }
    if (value.get_ref<const std::string&>().size() > 500) {
      error = stripe_invalid("Invalid metadata: values can be at most 500 characters long.",
                             "metadata[" + key + "]");
      return false;
    }
  }
  return true;
}

void merge_metadata(const nlohmann::json& form, nlohmann::json& into) {
  if (!into.is_object()) into = nlohmann::json::object();
  if (!form.contains("metadata")) return;
  if (form["metadata"].is_string()) {  // metadata= clears them all
    into = nlohmann::json::object();
    return;
  }
  for (const auto& [key, value] : form["metadata"].items()) {
    if (value.get_ref<const std::string&>().empty()) {
      into.erase(key);
    } else {
      into[key] = value;
    }
  }
}

bool parse_list_page(const httplib::Request& req, ListPage& page, WireAnswer& error) {
  if (req.has_param("limit")) {
    nlohmann::json f = {{"limit", query_value(req, "limit")}};
    if (!integer_param(f, "limit", page.limit) || page.limit < 1 || page.limit > 100) {
      error = stripe_invalid("Invalid limit: must be an integer from 1 to 100.", "limit");
      return false;
    }
  }
  page.starting_after = query_value(req, "starting_after");
  page.ending_before = query_value(req, "ending_before");
  if (!page.starting_after.empty() && !page.ending_before.empty()) {
    error = stripe_invalid(
        "You may only specify one of these parameters: starting_after, "
        "ending_before.",
        "ending_before");
    return false;
  }
  return true;
}

WireAnswer stripe_missing(const std::string& kind, const std::string& id,
                          const std::string& param) {
  WireAnswer a = error_answer(ErrorStyle::kStripe, ErrorCode::kNotFound, 404,
                              "No such " + kind + ": '" + id + "'", param);
  a.keep = false;
  return a;
}

bool check_cursor(const ListPage& page, const std::string& kind,
                  const std::function<bool(const std::string&)>& exists, WireAnswer& error) {
  for (const auto& [param, cursor] :
       {std::pair<const char*, const std::string&>{"starting_after", page.starting_after},
        {"ending_before", page.ending_before}}) {
    if (!cursor.empty() && !exists(cursor)) {
      error = stripe_missing(kind, cursor, param);
      return false;
    }
  }
  return true;
}

nlohmann::json list_page(const std::vector<std::string>& ids, const ListPage& page,
                         const std::string& url,
                         const std::function<nlohmann::json(const std::string&)>& render) {
  std::size_t begin = 0, end = ids.size();
  const auto limit = static_cast<std::size_t>(page.limit);
  bool has_more = false;
  if (!page.ending_before.empty()) {
    // The page just newer than the cursor, still newest first.
    end = static_cast<std::size_t>(std::find(ids.begin(), ids.end(), page.ending_before) -
                                   ids.begin());
    begin = end > limit ? end - limit : 0;
    has_more = begin > 0;
  } else {
    if (!page.starting_after.empty()) {
      auto it = std::find(ids.begin(), ids.end(), page.starting_after);
      begin = it == ids.end() ? ids.size() : static_cast<std::size_t>(it - ids.begin()) + 1;
    }
    end = std::min(ids.size(), begin + limit);
    has_more = end < ids.size();
  }
  nlohmann::json data = nlohmann::json::array();
  for (std::size_t i = begin; i < end; ++i) data.push_back(render(ids[i]));
  return {{"object", "list"}, {"url", url}, {"has_more", has_more}, {"data", data}};
}

std::vector<std::string> expand_paths(const httplib::Request& req, const nlohmann::json& form) {
  std::vector<std::string> out;
  if (form.contains("expand")) {
    const nlohmann::json& e = form["expand"];
    if (e.is_array()) {
      for (const auto& v : e)
        if (v.is_string()) out.push_back(v.get<std::string>());
    } else if (e.is_object()) {  // expand[0]=x parses as an object keyed "0"
      for (const auto& [k, v] : e.items())
        if (v.is_string()) out.push_back(v.get<std::string>());
    }
  }
  for (const auto& [name, value] : req.params) {
    if (name == "expand[]" || name.rfind("expand[", 0) == 0) out.push_back(value);
  }
  return out;
}

}  // namespace checkride
