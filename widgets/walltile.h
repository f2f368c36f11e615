#pragma once

#include "models/timelinejobs.h"
#include "models/timelinezoom.h"
#include "widgets/theme.h"
#include "widgets/timelinepainter.h"

#include <QPointer>
#include <QWidget>

namespace Baton {

class TimelineModel;

// \class WallTile
// \brief One job on the wall display: a header (attention, job, playbook, service, counts) over its whole
// timeline, every node fitted into the tile (aggregated when there are more nodes than pixel rows).
//
// Read-only. It repaints when its job changes, and on setNow() only when something visible moved: the now
// line or an open span advancing by a device pixel, or the followed range taking its next step.
class WallTile : public QWidget
{
    Q_OBJECT

public:
    explicit WallTile(QWidget *parent = nullptr);

    void setModel(TimelineModel *model);
    TimelineModel *model() const;
    qint64 jobId() const { return m_jobId; }
    void setAttention(const TimelineJobAttention &attention);
    const TimelineJobAttention &attention() const { return m_attention; }
    void setTheme(const Theme &theme);
    void setFontScale(qreal scale);
    void setStuckAfter(qint64 ms);
    // Moves the clock; returns whether the tile scheduled a repaint.
    bool setNow(qint64 now);
    // How long until something drawn moves with time, or -1.
    qint64 msUntilNowMoves() const;
    int paintCount() const { return m_paints; }
    // Bytes of the timeline's paint caches; none while the tile is hidden.
    qsizetype cacheBytes() const { return m_painter.cacheBytes(); }

    static QColor attentionColor(const Theme &theme, TimelineAttention level);

protected:
    void paintEvent(QPaintEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    void onModelUpdated();
    void syncTimeline();
    QRect timelineRect() const;
    int headerHeight() const;
    QFont scaled(qreal factor, bool bold = false) const;

    QPointer<TimelineModel> m_model;
    qint64 m_jobId = 0;
    TimelineJobAttention m_attention;
    Theme m_theme = Theme::dark();
    qreal m_fontScale = 1.6;
    TimelinePainter m_painter;
    TimelineZoom m_zoom;
    qint64 m_now = 0;
    int m_paints = 0;
};

} // namespace Baton
