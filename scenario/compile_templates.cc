#include "scenario/compile_templates.h"

#include "protocol/cassette.h"
#include "protocol/invariant.h"
#include "scenario/id_bindings.h"

namespace checkride {
namespace {

// The kind of mistake models make: numbers as strings. Falls back to a bare string when
// the params hold no number.
nlohmann::json malform(const nlohmann::json& params, bool& changed) {
  if (params.is_number_integer()) {
    changed = true;
    return params.dump();
  }
  if (params.is_structured()) {
    nlohmann::json copy = params;
    for (auto& v : copy) v = malform(v, changed);
    return copy;
  }
  return params;
}

}  // namespace

std::vector<CompiledTemplate> compile_templates(const Scenario& scenario,
                                                const ActionCatalog& actions) {
  std::vector<CompiledTemplate> out;
  for (std::size_t m = 0; m < scenario.mix.size(); ++m) {
    Cassette cassette = load_cassette(scenario.mix[m].cassette);
    for (auto& session : cassette.sessions) {
      CompiledTemplate t;
      t.name = std::to_string(m) + ":" + cassette.path + "#" + session.id;
      t.session = session.id;
      t.user = session.user.empty() ? session.id : session.user;
      bind_recorded_ids(session.steps, actions);
      for (auto& step : session.steps) {
        bool charge = false;
        bool lookup = false;
        std::shared_ptr<const nlohmann::json> broken;
        if (step.kind == CassetteStep::Kind::kAction) {
          const ActionSpec* spec = actions.find(step.action);
          ToolCallCount& count = t.tools[step.action];
          ++count.calls;
          count.mapped += spec != nullptr;
          charge = spec != nullptr && spec->charge;
          lookup = spec != nullptr && spec->handler == Handler::kLookup;
          bool changed = false;
          nlohmann::json bad = malform(*step.params, changed);
          if (!changed) bad = step.action + " " + step.params->dump();
          broken = std::make_shared<const nlohmann::json>(std::move(bad));
          if (!step.substitutions.empty()) t.has_substitutions = true;
        }
        t.intent = t.intent || charge;
        if (charge && step.has_recorded)
          t.recorded_success = step.recorded == ActionStatus::kConfirmed;
        t.charge.push_back(charge);
        t.as_recorded.push_back(lookup);
        t.malformed.push_back(std::move(broken));
        t.steps.push_back(std::move(step));
      }
      CHECKRIDE_INVARIANT(t.charge.size() == t.steps.size() &&
                              t.as_recorded.size() == t.steps.size() &&
                              t.malformed.size() == t.steps.size(),
                          "a compiled template's step tables run in step with its steps");
      for (const std::string& tool : session.note_tools) {
        ToolCallCount& count = t.tools[tool];
        ++count.calls;
        ++count.notes;
      }
      out.push_back(std::move(t));
    }
  }
  return out;
}

}  // namespace checkride
