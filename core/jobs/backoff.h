#pragma once

#include <random>

#include <QtGlobal>

namespace Baton {

// Reconnect delays: exponential growth from a base, capped, with "equal jitter" (a random point in the upper
// half of the current step) so many consoles that lost the same server do not come back in lockstep, while a
// single console still waits at least half the nominal delay.
class Backoff
{
public:
    explicit Backoff(int baseMs = 1000, int maxMs = 30000, quint32 seed = std::random_device {}());

    void setBase(int baseMs); // e.g. from an SSE `retry:` field; clamped to [50 ms, max]
    int base() const { return m_baseMs; }
    int max() const { return m_maxMs; }

    // The delay before the next attempt; each call doubles the nominal step until the cap.
    int next();
    // The nominal (jitter-free) delay the next call would be centred on; for status text.
    int nominal() const;
    int attempts() const { return m_attempt; }
    // After a connection that delivered data: start again from the base.
    void reset() { m_attempt = 0; }

private:
    int m_baseMs;
    int m_maxMs;
    int m_attempt = 0;
    std::mt19937 m_rng;
};

} // namespace Baton
