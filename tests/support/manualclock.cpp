#include "support/manualclock.h"

#include <algorithm>

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QTimer>

namespace Baton {

class ManualTimer final : public ConsulTimer
{
public:
    explicit ManualTimer(ManualClock *clock)
        : m_clock(clock)
    {
        m_clock->m_timers.push_back(this);
    }
    ~ManualTimer() override
    {
        if (m_clock)
            m_clock->remove(this);
    }

    void start(qint64 delayMs, std::function<void()> fire) override
    {
        m_fire = std::move(fire);
        m_deadline = m_clock->m_now + std::max<qint64>(0, delayMs);
        m_sequence = ++m_clock->m_sequence;
        m_active = true;
    }
    void stop() override
    {
        m_active = false;
        m_fire = nullptr;
    }
    bool isActive() const override { return m_active; }

    ManualClock *m_clock;
    std::function<void()> m_fire;
    qint64 m_deadline = 0;
    quint64 m_sequence = 0;
    bool m_active = false;
};

ManualClock::~ManualClock()
{
    for (ManualTimer *t : m_timers)
        t->m_clock = nullptr;
}

std::unique_ptr<ConsulTimer> ManualClock::createTimer()
{
    return std::make_unique<ManualTimer>(this);
}

void ManualClock::remove(ManualTimer *timer)
{
    m_timers.erase(std::remove(m_timers.begin(), m_timers.end(), timer), m_timers.end());
}

std::optional<qint64> ManualClock::nextDeadline() const
{
    std::optional<qint64> next;
    for (const ManualTimer *t : m_timers) {
        if (t->m_active && (!next || t->m_deadline < *next))
            next = t->m_deadline;
    }
    return next;
}

int ManualClock::activeTimers() const
{
    return int(std::count_if(m_timers.begin(), m_timers.end(), [](const ManualTimer *t) { return t->m_active; }));
}

void ManualClock::advanceTo(qint64 t)
{
    for (;;) {
        ManualTimer *due = nullptr;
        for (ManualTimer *timer : m_timers) {
            if (!timer->m_active || timer->m_deadline > t)
                continue;
            if (!due || timer->m_deadline < due->m_deadline
                || (timer->m_deadline == due->m_deadline && timer->m_sequence < due->m_sequence))
                due = timer;
        }
        if (!due)
            break;
        m_now = std::max(m_now, due->m_deadline);
        due->m_active = false;
        std::function<void()> fire = std::move(due->m_fire);
        due->m_fire = nullptr;
        if (fire)
            fire();
    }
    m_now = std::max(m_now, t);
}

namespace {

// Like QTest::qWaitFor, but wakes on every event instead of polling every 10 ms: a simulated hour is
// thousands of steps, each waiting for one local round trip.
bool waitUntil(const std::function<bool()> &predicate, int timeoutMs)
{
    if (predicate())
        return true;
    QDeadlineTimer deadline(timeoutMs);
    QTimer wakeUp; // makes WaitForMoreEvents return when the time is up
    wakeUp.setSingleShot(true);
    wakeUp.start(timeoutMs);
    while (!predicate()) {
        if (deadline.hasExpired())
            return false;
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
        QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    }
    return true;
}

} // namespace

bool ManualClock::runUntil(qint64 untilMs, const std::function<bool()> &settled, int realTimeoutMs)
{
    while (m_now < untilMs) {
        if (!waitUntil(settled, realTimeoutMs))
            return false;
        const std::optional<qint64> next = nextDeadline();
        advanceTo(next && *next < untilMs ? *next : untilMs);
    }
    return waitUntil(settled, realTimeoutMs);
}

} // namespace Baton
