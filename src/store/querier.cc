#include "store/querier.h"

#include <set>

namespace lm::store {

Result<std::vector<std::string>> Querier::LabelNames(const std::vector<Matcher>& matchers,
                                                     int64_t mint, int64_t maxt) const {
  LM_ASSIGN_OR_RETURN(std::vector<SeriesPtr> series, Select(matchers, mint, maxt));
  std::set<std::string> names;
  for (const SeriesPtr& s : series) {
    for (const Label& l : s->labels().items()) names.insert(l.name);
  }
  return std::vector<std::string>(names.begin(), names.end());
}

Result<std::vector<std::string>> Querier::LabelValues(std::string_view name,
                                                      const std::vector<Matcher>& matchers,
                                                      int64_t mint, int64_t maxt) const {
  LM_ASSIGN_OR_RETURN(std::vector<SeriesPtr> series, Select(matchers, mint, maxt));
  std::set<std::string, std::less<>> values;
  for (const SeriesPtr& s : series) {
    std::string_view v = s->labels().Get(name);
    if (!v.empty()) values.emplace(v);
  }
  return std::vector<std::string>(values.begin(), values.end());
}

}  // namespace lm::store
