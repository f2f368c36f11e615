#include "core/consul/consulclock.h"

#include <QElapsedTimer>
#include <QTimer>

namespace Baton {

ConsulTimer::~ConsulTimer() = default;
ConsulClock::~ConsulClock() = default;

namespace {

class SystemTimer final : public ConsulTimer
{
public:
    SystemTimer()
    {
        m_timer.setSingleShot(true);
        QObject::connect(&m_timer, &QTimer::timeout, [this] {
            // Move the callback out first: it may restart this timer.
            std::function<void()> fire = std::move(m_fire);
            m_fire = nullptr;
            if (fire)
                fire();
        });
    }

    void start(qint64 delayMs, std::function<void()> fire) override
    {
        m_fire = std::move(fire);
        // Long waits (back-off, token refill) tolerate the coarse timer's 5 %; short ones get precise timing.
        m_timer.setTimerType(delayMs > 2000 ? Qt::CoarseTimer : Qt::PreciseTimer);
        m_timer.start(int(std::clamp<qint64>(delayMs, 0, INT_MAX)));
    }

    void stop() override
    {
        m_timer.stop();
        m_fire = nullptr;
    }

    bool isActive() const override { return m_timer.isActive(); }

private:
    QTimer m_timer;
    std::function<void()> m_fire;
};

class SystemClock final : public ConsulClock
{
public:
    SystemClock() { m_elapsed.start(); }
    qint64 nowMs() const override { return m_elapsed.elapsed(); }
    std::unique_ptr<ConsulTimer> createTimer() override { return std::make_unique<SystemTimer>(); }

private:
    QElapsedTimer m_elapsed;
};

} // namespace

ConsulClock *ConsulClock::system()
{
    static SystemClock clock;
    return &clock;
}

} // namespace Baton
