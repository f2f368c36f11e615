// libFuzzer target: core/domain's EventCodec and JobCodec over arbitrary bytes. Decoding may fail but only with
// an Error; whatever decodes must encode again and decode to the same value (the console and the service
// exchange these objects both ways).
#include "core/base/boundedjson.h"
#include "core/domain/eventcodec.h"
#include "core/domain/jobcodec.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace {

[[noreturn]] void broken(const char *what, const nlohmann::json &j)
{
    std::fprintf(stderr, "codec contract broken: %s\n%s\n", what, j.dump().substr(0, 2000).c_str());
    std::abort();
}

void requireMessage(const Baton::Error &e, const char *what, const nlohmann::json &j)
{
    if (e.message.isEmpty())
        broken(what, j);
}

template<typename T, typename Decode, typename Encode>
void roundTrip(const nlohmann::json &j, Decode decode, Encode encode, const char *what)
{
    Baton::Result<T> first = decode(j);
    if (!first) {
        requireMessage(first.error(), what, j);
        return;
    }
    const nlohmann::json encoded = encode(*first);
    Baton::Result<T> second = decode(encoded);
    if (!second || !(*second == *first))
        broken(what, encoded);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const QByteArray bytes = QByteArray::fromRawData(reinterpret_cast<const char *>(data), qsizetype(size));

    // The SSE data: path, as the console reads it.
    auto event = Baton::EventCodec::fromData(bytes);
    if (event) {
        auto again = Baton::EventCodec::fromData(Baton::EventCodec::toDataLine(*event));
        if (!again || !(*again == *event))
            broken("event round trip", Baton::EventCodec::toJson(*event));
    } else if (event.error().message.isEmpty()) {
        std::abort();
    }

    auto doc = Baton::parseJsonBounded(bytes, Baton::JsonLimits::requestDefault());
    if (!doc)
        return 0;
    const nlohmann::json &j = *doc;
    using namespace Baton;
    roundTrip<Job>(
        j, JobCodec::jobFromJson, [](const Job &v) { return JobCodec::toJson(v); }, "job");
    roundTrip<JobSpec>(
        j, JobCodec::jobSpecFromJson, [](const JobSpec &v) { return JobCodec::toJson(v); }, "job spec");
    roundTrip<NodeRun>(
        j, JobCodec::nodeRunFromJson, [](const NodeRun &v) { return JobCodec::toJson(v); }, "node run");
    roundTrip<WaitInfo>(
        j, JobCodec::waitInfoFromJson, [](const WaitInfo &v) { return JobCodec::toJson(v); }, "wait info");
    roundTrip<NodeCounts>(
        j, JobCodec::countsFromJson, [](const NodeCounts &v) { return JobCodec::toJson(v); }, "counts");
    roundTrip<JobEvent>(
        j, EventCodec::fromJson, [](const JobEvent &v) { return EventCodec::toJson(v); }, "event");
    return 0;
}
