#pragma once

#include "core/base/result.h"

#include <nlohmann/json.hpp>

#include <QString>

namespace Baton {

// The --node-vars file: {"defaults": {…}, "nodes": {"web-1": {"baton_consul_http_addr": "http://…", …}}}.
// Per-node values win over defaults. docs/development.md fixes the shape.
class NodeVars
{
public:
    static Result<NodeVars> load(const QString &path);
    static Result<NodeVars> parse(const QByteArray &bytes);

    // defaults merged with the node's own entry (an empty object when neither exists).
    nlohmann::json varsFor(const QString &node) const;
    bool hasNode(const QString &node) const;

private:
    nlohmann::json m_defaults = nlohmann::json::object();
    nlohmann::json m_nodes = nlohmann::json::object();
};

} // namespace Baton
