#pragma once

#include <QByteArray>
#include <QStringList>

namespace Baton::ConsulDecoderHarness {

// Runs one body through every Consul decoder (and what is built on them: the budget composition, the content
// digest, the semaphore value, Go durations), the way the fuzz target does. Shared by tests/fuzz and the
// bad-input unit test so the corpus is checked the same way in both.
struct Outcome
{
    bool parsed = false; // the body was JSON within JsonLimits::consulDefault()
    QStringList accepted; // decoders that returned a value
    QStringList rejected; // decoders that returned an error
    QStringList problems; // errors that are not Decode/TooLarge or carry no message: bugs
};

Outcome run(const QByteArray &body);

} // namespace Baton::ConsulDecoderHarness
