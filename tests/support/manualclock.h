#pragma once

#include "core/consul/consulclock.h"

#include <functional>
#include <optional>
#include <vector>

namespace Baton {

// A ConsulClock that only moves when a test says so. Timers fire in deadline order, each with the clock set
// to its own deadline, so a test can run an hour of a watcher's life in a few real milliseconds.
class ManualClock final : public ConsulClock
{
public:
    ManualClock() = default;
    ~ManualClock() override;

    qint64 nowMs() const override { return m_now; }
    std::unique_ptr<ConsulTimer> createTimer() override;

    // Moves time forward to `t`, firing every timer due on the way (timers started by fired timers too).
    void advanceTo(qint64 t);
    void advance(qint64 ms) { advanceTo(m_now + ms); }
    std::optional<qint64> nextDeadline() const;
    int activeTimers() const;

    // Runs simulated time up to `untilMs`: waits (in real time, at most realTimeoutMs per step) until
    // `settled()` says the system under test is idle or waiting on this clock, then jumps to the next timer.
    // Returns false when the system did not settle in time.
    bool runUntil(qint64 untilMs, const std::function<bool()> &settled, int realTimeoutMs = 10000);

private:
    friend class ManualTimer;
    void remove(class ManualTimer *timer);

    qint64 m_now = 1'000'000; // not 0, so "time 0" bugs show up
    std::vector<class ManualTimer *> m_timers;
    quint64 m_sequence = 0;
};

} // namespace Baton
