#include "core/consul/consuldigest.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace Baton::ConsulDigest {

namespace {

// A small multiply-mix hash over 8-byte words, two lanes with different keys. Qt's qHashBits (SipHash on
// most builds) made digesting a 5,000-instance health answer cost more than decoding it; this keeps the digest
// well under the parse time while still giving 128 bits against accidental equality. Not for adversaries:
// a server that wants to hide a change can simply not send it.
constexpr quint64 kA1 = 0x9e3779b97f4a7c15ULL;
constexpr quint64 kA2 = 0xbf58476d1ce4e5b9ULL;
constexpr quint64 kB1 = 0x94d049bb133111ebULL;
constexpr quint64 kB2 = 0xd6e8feb86659fd93ULL;

inline quint64 fmix(quint64 k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ULL;
    k ^= k >> 33;
    return k;
}

inline quint64 rotl(quint64 x, int r)
{
    return (x << r) | (x >> (64 - r));
}

inline void absorb(Digest &d, quint64 word)
{
    d.a = rotl(d.a ^ (word * kA1), 29) * kA2;
    d.b = rotl(d.b ^ (word * kB1), 31) * kB2;
}

inline Digest finish(Digest d)
{
    return { fmix(d.a), fmix(d.b ^ d.a) };
}

Digest bytes(quint64 tag, const char *data, size_t size)
{
    Digest d { tag * kA1 + size, tag * kB1 ^ size };
    while (size >= 8) {
        quint64 w;
        std::memcpy(&w, data, 8);
        absorb(d, w);
        data += 8;
        size -= 8;
    }
    quint64 tail = 0;
    std::memcpy(&tail, data, size);
    absorb(d, tail ^ (quint64(size) << 56));
    return finish(d);
}

Digest word(quint64 tag, quint64 value)
{
    Digest d { tag * kA1, tag * kB1 };
    absorb(d, value);
    return finish(d);
}

inline void fold(Digest &d, const Digest &v)
{
    absorb(d, v.a);
    absorb(d, v.b);
}

Digest digestOf(const nlohmann::json &j)
{
    using V = nlohmann::json::value_t;
    switch (j.type()) {
    case V::null:
    case V::discarded:
        return word(1, 0);
    case V::boolean:
        return word(2, j.get<bool>() ? 1 : 0);
    case V::number_integer:
        return word(3, quint64(j.get<std::int64_t>()));
    case V::number_unsigned:
        // A non-negative integer parses as unsigned; give it the signed tag when it fits, so 5 and 5u match.
        if (j.get<std::uint64_t>() <= std::uint64_t(INT64_MAX))
            return word(3, j.get<std::uint64_t>());
        return word(4, j.get<std::uint64_t>());
    case V::number_float: {
        const double v = j.get<double>();
        quint64 bits;
        std::memcpy(&bits, &v, 8);
        return word(5, bits);
    }
    case V::string: {
        const std::string &s = j.get_ref<const std::string &>();
        return bytes(6, s.data(), s.size());
    }
    case V::binary:
        return bytes(7, reinterpret_cast<const char *>(j.get_binary().data()), j.get_binary().size());
    case V::object: {
        // nlohmann keeps keys sorted, so layout and key order do not count.
        Digest d { 8 * kA1, 8 * kB1 };
        for (auto it = j.begin(); it != j.end(); ++it) {
            fold(d, bytes(9, it.key().data(), it.key().size()));
            fold(d, digestOf(it.value()));
        }
        absorb(d, j.size());
        return finish(d);
    }
    case V::array: {
        // Arrays count as multisets: Consul promises no order for health entries, checks or tags.
        Digest d { 10 * kA1, 10 * kB1 };
        if (j.size() == 1) {
            fold(d, digestOf(j.front()));
        } else if (!j.empty()) {
            std::vector<Digest> items;
            items.reserve(j.size());
            for (const auto &item : j)
                items.push_back(digestOf(item));
            std::sort(items.begin(), items.end(),
                [](const Digest &x, const Digest &y) { return x.a != y.a ? x.a < y.a : x.b < y.b; });
            for (const Digest &item : items)
                fold(d, item);
        }
        absorb(d, j.size());
        return finish(d);
    }
    }
    return {};
}

} // namespace

Digest of(const nlohmann::json &document)
{
    return digestOf(document);
}

} // namespace Baton::ConsulDigest
