#pragma once

#include <QObject>

namespace Baton {

// \class TimelineZoom
// \brief View state of a timeline's time axis: the trace (what the job covers), the visible range, and
// whether the range follows "now".
//
// Kept apart from the painter (like Qt Creator's TimelineZoomControl) so the view, the ruler, an exporter and
// tests share one notion of the visible window. Following comes in two kinds: Window keeps the window's length
// and slides it so now stays near the right edge; Trace shows the whole job from its start to now. Any explicit
// pan or range change by the user stops following; resume with setFollow().
//
// While following, the range moves in steps of 1/64 of its length (not every millisecond), so a cached picture
// of the timeline stays valid between steps and only the now line and the growing open spans are redrawn.
class TimelineZoom : public QObject
{
    Q_OBJECT

public:
    enum class Follow
    {
        Off,
        Window,
        Trace
    };

    static constexpr qint64 kMinWindowMs = 1'000;
    static constexpr qint64 kMaxWindowMs = 90LL * 24 * 3'600'000;
    static constexpr int kFollowSteps = 64;

    explicit TimelineZoom(QObject *parent = nullptr);

    qint64 rangeStart() const { return m_start; }
    qint64 rangeEnd() const { return m_end; }
    qint64 rangeLength() const { return m_end - m_start; }
    qint64 traceStart() const { return m_traceStart; }
    qint64 traceEnd() const { return m_traceEnd; }
    qint64 now() const { return m_now; }
    Follow follow() const { return m_follow; }

    // The job's extent; while it runs, end is now. Recomputes a followed range.
    void setTrace(qint64 start, qint64 end);
    // The clock. Recomputes a followed range (in steps, see above).
    void setNow(qint64 now);
    void setFollow(Follow follow);

    // A range chosen by the user (drag, scroll bar): stops following.
    void setRange(qint64 start, qint64 end);
    // Zoom by `factor` (< 1 zooms in) keeping `anchor` at the same place on screen. While following a window it
    // keeps following with the new length (the anchor is then now); otherwise it stops following.
    void zoom(double factor, qint64 anchor);
    // Pan by delta ms (positive moves later); stops following.
    void pan(qint64 deltaMs);
    // Show the whole job; follows it while it runs (`running`).
    void fitTrace(bool running);

Q_SIGNALS:
    void rangeChanged(qint64 start, qint64 end);
    void followChanged(Baton::TimelineZoom::Follow follow);

private:
    void apply(qint64 start, qint64 end);
    void updateFollowed();
    qint64 followLead(qint64 length) const;

    qint64 m_start = 0;
    qint64 m_end = 0;
    qint64 m_traceStart = 0;
    qint64 m_traceEnd = 0;
    qint64 m_now = 0;
    qint64 m_followLength = 30 * 60'000;
    Follow m_follow = Follow::Off;
};

} // namespace Baton
