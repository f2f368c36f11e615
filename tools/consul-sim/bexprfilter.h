#pragma once

#include "tools/consul-sim/jsonrender.h"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace Baton::ConsulSim {

// The go-bexpr filter language of Consul's ?filter= parameter, evaluated against the JSON Consul would send
// for each element. Supported: ==, !=, is empty, is not empty, in, not in, contains, not contains, matches,
// not matches; and, or, not, parentheses; selectors as dotted paths with Map["key"] or Map.key access; values
// quoted with "…" or `…`, or bare words of letters, digits, '_' and '.'. Selectors are checked against the
// endpoint's element type when the filter is created, like bexpr's CreateFilter, so a typo is an error and not
// an empty result. A selector that passes through a list (Checks.Status) matches when any element matches;
// != and the "not" forms are the negation of that.
class BexprFilter
{
public:
    // The shape of a filterable element: field types by name. Build one with BexprFilter::schema().
    struct Schema
    {
        enum class Type
        {
            String,
            Int,
            Bool,
            StringList,
            StringMap,
            Object,
            ObjectList,
            Opaque
        };
        Type type = Type::Object;
        std::map<std::string, Schema> fields;
    };

    // Parses a compact description: space-separated "Path:t" items, t one of s(tring) i(nt) b(ool) l(ist of
    // strings) m(ap of strings) x (opaque object: any sub-selector, never matches a value); "Checks[]" in a
    // path makes that step a list of objects.
    static Schema schema(const std::string &spec);
    // The element types of the endpoints that take ?filter=.
    static const Schema &nodeSchema();
    static const Schema &serviceNodeSchema();
    static const Schema &nodeServiceSchema();
    static const Schema &agentServiceSchema();
    static const Schema &healthCheckSchema();
    static const Schema &checkServiceNodeSchema();

    // nullopt with *error = Consul's message ("Failed to create boolean expression evaluator: …").
    static std::optional<BexprFilter> create(const std::string &expression, const Schema &schema, std::string *error);

    bool matches(const OJson &element) const;

    struct Node;

private:
    std::shared_ptr<const Node> m_root;
};

} // namespace Baton::ConsulSim
