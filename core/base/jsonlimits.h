#pragma once

#include <cstddef>

namespace Baton {

// Limits applied before any untrusted JSON reaches nlohmann::json. nlohmann's parser is iterative but its
// copy constructor and dump() recurse, so depth is checked on the raw bytes first.
struct JsonLimits
{
    std::size_t maxBytes = 16u * 1024u * 1024u;
    int maxDepth = 64;

    static constexpr JsonLimits consulDefault() { return { 64u * 1024u * 1024u, 64 }; }
    static constexpr JsonLimits eventDefault() { return { 1024u * 1024u, 32 }; }
    static constexpr JsonLimits requestDefault() { return { 1024u * 1024u, 32 }; }
};

} // namespace Baton
