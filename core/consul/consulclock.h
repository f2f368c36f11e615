#pragma once

#include <functional>
#include <memory>

#include <QtGlobal>

namespace Baton {

// A single-shot timer on a ConsulClock. Owned by whoever created it; destroying it cancels it.
class ConsulTimer
{
public:
    virtual ~ConsulTimer();
    // (Re)starts the timer: `fire` runs once, delayMs from now on the clock, unless stopped first.
    virtual void start(qint64 delayMs, std::function<void()> fire) = 0;
    virtual void stop() = 0;
    virtual bool isActive() const = 0;
};

// Time as the watcher and the session keeper see it. The system clock is monotonic time and QTimer in the
// calling thread; tests and benchmarks inject a manual clock so hours of watcher behaviour (token bucket,
// back-off) run in milliseconds and give the same counts every run.
class ConsulClock
{
public:
    virtual ~ConsulClock();
    virtual qint64 nowMs() const = 0; // monotonic milliseconds
    virtual std::unique_ptr<ConsulTimer> createTimer() = 0;

    static ConsulClock *system(); // shared, usable from any thread (timers fire in the thread that started them)
};

} // namespace Baton
