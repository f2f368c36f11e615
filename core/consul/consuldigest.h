#pragma once

#include <nlohmann/json.hpp>

#include <QtGlobal>

namespace Baton::ConsulDigest {

// A 128-bit digest of a decoded JSON document's content, for "did anything really change" checks.
// Object keys are hashed in sorted order (as nlohmann keeps them) and array elements as a multiset, so
// whitespace, key order and element order do not count as a change: Consul promises no order for health
// entries, checks or catalog tags, and a watcher must not wake its users because a server reshuffled them.
struct Digest
{
    quint64 a = 0;
    quint64 b = 0;
    bool operator==(const Digest &) const = default;
};

Digest of(const nlohmann::json &document);

} // namespace Baton::ConsulDigest
