// libFuzzer target for the event stream's framing: SseFramer fed hostile bytes in arbitrary chunks.
//
// Checks, on every input:
// - bounded memory: what the framer holds never exceeds its limits, and no event it returns is larger than one
//   event may be;
// - chunking does not matter: the bytes fed whole and fed in the pieces the input chooses give the same events
//   and the same error (a CR/LF pair or a BOM split across reads is the classic framing bug);
// - once failed, the framer refuses more input until reset;
// - every event's data goes through the event decoder without crashing.
//
// Input layout: byte 0 picks the limits (small ones reach the overflow paths quickly), byte 1 seeds the chunk
// sizes, the rest is the stream.

#include "core/domain/eventcodec.h"
#include "core/jobs/sseframer.h"

#include <cstdint>
#include <cstdlib>

using namespace Baton;

namespace {

struct Outcome
{
    QList<SseEvent> events;
    bool failed = false;
    QByteArray lastEventId;
};

void check(bool condition)
{
    if (!condition)
        std::abort();
}

Outcome feed(SseLimits limits, QByteArrayView stream, uint8_t seed, bool whole)
{
    SseFramer f(limits);
    Outcome o;
    qsizetype at = 0;
    uint32_t state = seed | 1u;
    while (at < stream.size()) {
        qsizetype n = stream.size() - at;
        if (!whole) {
            state = state * 1103515245u + 12345u;
            n = std::min<qsizetype>(n, 1 + qsizetype((state >> 16) % 97u));
        }
        auto r = f.feed(stream.sliced(at, n), o.events);
        check(f.bufferedBytes() <= limits.maxBufferBytes + limits.maxEventBytes);
        at += n;
        if (!r) {
            o.failed = true;
            check(f.failed());
            QList<SseEvent> more;
            check(!f.feed("data: x\n\n", more) && more.isEmpty());
            break;
        }
    }
    for (const SseEvent &e : o.events)
        check(e.data.size() + e.type.size() <= limits.maxEventBytes);
    o.lastEventId = f.lastEventId();
    return o;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    SseLimits limits;
    switch (data[0] % 3) {
    case 0:
        limits = SseLimits { 64, 256 };
        break;
    case 1:
        limits = SseLimits { 4096, 16384 };
        break;
    default:
        break; // the production limits: 1 MiB / 4 MiB
    }
    const QByteArrayView stream(reinterpret_cast<const char *>(data + 2), qsizetype(size - 2));
    const Outcome whole = feed(limits, stream, data[1], true);
    const Outcome pieces = feed(limits, stream, data[1], false);
    check(whole.failed == pieces.failed);
    check(whole.events == pieces.events);
    if (!whole.failed)
        check(whole.lastEventId == pieces.lastEventId);
    for (const SseEvent &e : whole.events)
        (void)EventCodec::fromData(e.data);
    return 0;
}
