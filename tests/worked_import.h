// A worked example's transcripts imported as docs/worked-examples.md says (sessions named by
// task_id:trial, users by user_id, the catalog's error patterns), for the tests that check a
// shipped cassette is that import.
#pragma once
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "orchestrator/action_catalog.h"
#include "protocol/catalog_ref.h"
#include "recorder/importer.h"
#include "tests/test_support.h"

namespace checkride::testing {

// Imports the file `transcripts` with the catalog `catalog` (a source path) into `out`.
inline std::string import_worked_transcripts(const std::string& catalog,
                                             const std::string& transcripts, const std::string& out,
                                             std::string* summary = nullptr) {
  ImportOptions o;
  o.files = {transcripts};
  o.from = "openai";
  o.session_id_fields = {"task_id", "trial"};
  o.user_id_field = "user_id";
  ActionCatalog actions = ActionCatalog::from_file(source_path(catalog));
  for (const auto& [name, spec] : actions.actions()) o.actions.insert(name);
  std::string error;
  for (const auto& p : actions.error_patterns()) EXPECT_TRUE(o.error_patterns.add(p, error));
  o.out = out;
  o.catalog = make_catalog_ref(source_path(catalog), read_text(source_path(catalog)), o.out);
  std::ostringstream sout, err;
  EXPECT_EQ(run_import(o, sout, err), 0) << err.str();
  if (summary != nullptr) *summary = sout.str();
  return o.out;
}

// Everything after the header line: the events, which do not depend on where it was written.
inline std::string cassette_events(const std::string& cassette) {
  std::string text = read_text(cassette);
  return text.substr(text.find('\n') + 1);
}

}  // namespace checkride::testing
