#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace checkride {

// The action catalog a cassette was recorded or imported with, as its header names it:
// `"action_catalog": {"path": "../catalogs/airline.yaml", "sha256": "…"}`. The path is
// relative to the cassette's folder ("default" for the built-in catalog); the hash is over
// the catalog's text, so replay can tell when the catalog changed since.
struct CatalogRef {
  std::string path;  // relative to the cassette, or "default"
  std::string sha256;
};

std::string catalog_text_sha256(const std::string& text);
// The reference a cassette written to `cassette_path` makes to `catalog_path` ("" for the
// built-in catalog) whose text is `catalog_text`.
CatalogRef make_catalog_ref(const std::string& catalog_path, const std::string& catalog_text,
                            const std::string& cassette_path);
nlohmann::ordered_json catalog_ref_json(const CatalogRef& ref);
// False when the header names no catalog (a cassette from before this field, or written by
// hand) or names one in a shape this version does not read.
bool catalog_ref_of(const nlohmann::json& header, CatalogRef& out);
// Where the referenced catalog file is, resolved against the cassette's folder.
std::string resolve_catalog_ref(const CatalogRef& ref, const std::string& cassette_path);

}  // namespace checkride
