#include "core/consul/consuldigest.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include <QHashFunctions>

namespace Baton::ConsulDigest {

namespace {

// Two independent fixed seeds give two 64-bit lanes; fixed rather than Qt's per-process seed so a digest
// means the same thing for the whole life of the process whatever qSetGlobalQHashSeed() did.
constexpr size_t kSeedA = size_t(0x6a09e667f3bcc908ULL);
constexpr size_t kSeedB = size_t(0xbb67ae8584caa73bULL);

quint64 fmix(quint64 k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ULL;
    k ^= k >> 33;
    return k;
}

void fold(Digest &d, const Digest &v)
{
    d.a = fmix(d.a ^ fmix(v.a + 0x9e3779b97f4a7c15ULL));
    d.b = fmix(d.b ^ fmix(v.b + 0x632be59bd9b4e019ULL));
}

Digest bytes(quint64 tag, const void *data, size_t size)
{
    Digest d { quint64(qHashBits(data, size, kSeedA)), quint64(qHashBits(data, size, kSeedB)) };
    d.a = fmix(d.a ^ (tag * 0x100000001b3ULL));
    d.b = fmix(d.b ^ (tag * 0xcbf29ce484222325ULL));
    return d;
}

template<typename T> Digest scalar(quint64 tag, T value)
{
    unsigned char raw[sizeof(T)];
    std::memcpy(raw, &value, sizeof(T));
    return bytes(tag, raw, sizeof(T));
}

Digest digestOf(const nlohmann::json &j)
{
    using V = nlohmann::json::value_t;
    switch (j.type()) {
    case V::null:
    case V::discarded:
        return bytes(1, "", 0);
    case V::boolean:
        return scalar<quint8>(2, j.get<bool>() ? 1 : 0);
    case V::number_integer:
        return scalar<qint64>(3, j.get<std::int64_t>());
    case V::number_unsigned:
        // A non-negative integer parses as unsigned; keep it apart from the signed tag only when it does not
        // fit, so 5 and 5u are the same content.
        if (j.get<std::uint64_t>() <= std::uint64_t(INT64_MAX))
            return scalar<qint64>(3, qint64(j.get<std::uint64_t>()));
        return scalar<quint64>(4, j.get<std::uint64_t>());
    case V::number_float:
        return scalar<double>(5, j.get<double>());
    case V::string: {
        const std::string &s = j.get_ref<const std::string &>();
        return bytes(6, s.data(), s.size());
    }
    case V::binary:
        return bytes(7, j.get_binary().data(), j.get_binary().size());
    case V::object: {
        Digest d { 0x0b7ec7ULL, 0x0b7ec7ULL };
        for (auto it = j.begin(); it != j.end(); ++it) {
            fold(d, bytes(8, it.key().data(), it.key().size()));
            fold(d, digestOf(it.value()));
        }
        fold(d, scalar<quint64>(9, j.size()));
        return d;
    }
    case V::array: {
        std::vector<Digest> items;
        items.reserve(j.size());
        for (const auto &item : j)
            items.push_back(digestOf(item));
        std::sort(items.begin(), items.end(),
            [](const Digest &x, const Digest &y) { return x.a != y.a ? x.a < y.a : x.b < y.b; });
        Digest d { 0xa77a7ULL, 0xa77a7ULL };
        for (const Digest &item : items)
            fold(d, item);
        fold(d, scalar<quint64>(10, j.size()));
        return d;
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
