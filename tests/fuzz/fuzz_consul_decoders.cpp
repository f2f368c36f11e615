// libFuzzer target: every Consul decoder (and the budget composition built on them) over arbitrary bytes.
// A decoder may accept or reject; it must not crash, leak, overflow, or reject with anything but a typed
// Decode/TooLarge error carrying a message.
#include "support/consuldecoderharness.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const QByteArray body = QByteArray::fromRawData(reinterpret_cast<const char *>(data), qsizetype(size));
    const Baton::ConsulDecoderHarness::Outcome outcome = Baton::ConsulDecoderHarness::run(body);
    if (!outcome.problems.isEmpty()) {
        std::fprintf(stderr, "decoder contract broken: %s\n", qPrintable(outcome.problems.join(QStringLiteral("; "))));
        std::abort();
    }
    return 0;
}
