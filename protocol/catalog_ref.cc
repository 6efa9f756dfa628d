#include "protocol/catalog_ref.h"

#include <filesystem>

#include "protocol/crypto.h"

namespace checkride {
namespace fs = std::filesystem;

std::string catalog_text_sha256(const std::string& text) { return to_hex(sha256(text)); }

CatalogRef make_catalog_ref(const std::string& catalog_path, const std::string& catalog_text,
                            const std::string& cassette_path) {
  CatalogRef ref;
  ref.sha256 = catalog_text_sha256(catalog_text);
  if (catalog_path.empty()) {
    ref.path = "default";
    return ref;
  }
  std::error_code ec;
  fs::path folder = fs::absolute(fs::path(cassette_path), ec).parent_path();
  fs::path catalog = fs::absolute(fs::path(catalog_path), ec);
  fs::path relative = catalog.lexically_normal().lexically_relative(folder.lexically_normal());
  ref.path = relative.empty() ? catalog.generic_string() : relative.generic_string();
  return ref;
}

nlohmann::ordered_json catalog_ref_json(const CatalogRef& ref) {
  return {{"path", ref.path}, {"sha256", ref.sha256}};
}

bool catalog_ref_of(const nlohmann::json& header, CatalogRef& out) {
  auto it = header.find("action_catalog");
  if (it == header.end() || !it->is_object()) return false;
  auto path = it->find("path");
  auto hash = it->find("sha256");
  if (path == it->end() || !path->is_string() || path->get_ref<const std::string&>().empty()) {
    return false;
  }
  out.path = path->get<std::string>();
  out.sha256 = hash != it->end() && hash->is_string() ? hash->get<std::string>() : "";
  return true;
}

std::string resolve_catalog_ref(const CatalogRef& ref, const std::string& cassette_path) {
  fs::path p(ref.path);
  if (p.is_absolute()) return p.string();
  return (fs::path(cassette_path).parent_path() / p).lexically_normal().string();
}

}  // namespace checkride
