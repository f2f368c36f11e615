#pragma once

#include "core/base/result.h"
#include "models/timelinezoom.h"
#include "widgets/timelineexport.h"
#include "widgets/timelinepainter.h"

#include <functional>

#include <QAbstractScrollArea>
#include <QPointer>
#include <QTimer>

namespace Baton {

class TimelineModel;

// \class TimelineView
// \brief The interactive per-node timeline of one job: one viewport-sized TimelinePainter in a scroll area.
//
// - Follows now while the job runs (the now line and the open spans grow); any pan, drag or scroll-bar move
//   pauses following, End (or the context menu) resumes it, 0 fits the whole job.
// - Zoom with Ctrl+wheel (at the cursor) or +/-; pan with Shift+wheel, a horizontal wheel, drag, or ←/→.
// - Hover shows a tooltip with the state, its reason ("waiting: slots held by web-1, web-3; web-5 critical"),
//   the task and the durations. Clicking a lane selects it and emits nodeActivated() so the application can
//   show that node's log; clicking a service header folds it; clicking an aggregated row leaves fit mode and
//   scrolls to those lanes.
// - Idle costs nothing: the only timer is a coarse single shot for the moment the now line next moves by a
//   device pixel, and it runs only while the job runs, the now line is in view and the widget is visible.
class TimelineView : public QAbstractScrollArea
{
    Q_OBJECT

public:
    explicit TimelineView(QWidget *parent = nullptr);
    ~TimelineView() override;

    // Not owned. The view follows the model's signals and forgets it when it is destroyed.
    void setModel(TimelineModel *model);
    TimelineModel *model() const;

    TimelineZoom *zoom() { return &m_zoom; }
    const TimelinePainter &timelinePainter() const { return m_painter; }

    void setTheme(const Theme &theme);
    void setOptions(const TimelinePainter::Options &options);
    TimelinePainter::Options options() const { return m_painter.options(); }
    // Every lane fitted into the height (aggregating when there are more lanes than rows) or scrolling rows.
    void setFitLanes(bool fit);
    bool fitLanes() const { return m_painter.options().fit; }

    // The clock; tests inject a fixed one. Defaults to the system clock.
    void setClock(std::function<qint64()> clock);

    // What is under a point of the viewport.
    TimelineHit hitAt(const QPoint &viewportPos) const;
    // The tooltip text for a point of the viewport (empty when there is nothing to say).
    QString toolTipAt(const QPoint &viewportPos) const;

    // Export what the view shows (every lane, the current range and look) as a file.
    TimelineExport::Params exportParams() const;
    Result<void> exportPng(const QString &path) const;
    Result<void> exportSvg(const QString &path) const;

    // True while the follow timer is armed (tests check that an idle view keeps no timer).
    bool isTicking() const { return m_tick.isActive(); }

public Q_SLOTS:
    void zoomIn();
    void zoomOut();
    void followNow();
    void fitJob();

Q_SIGNALS:
    void nodeActivated(qint64 jobId, const QString &node);
    void followingChanged(bool following);
    // A user-requested export finished or failed (from the context menu).
    void exportFinished(const QString &path, const QString &error);

protected:
    void paintEvent(QPaintEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void wheelEvent(QWheelEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;
    void leaveEvent(QEvent *event) override;
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;
    void changeEvent(QEvent *event) override;
    void contextMenuEvent(QContextMenuEvent *event) override;
    bool viewportEvent(QEvent *event) override;
    void scrollContentsBy(int dx, int dy) override;

private:
    void onModelUpdated();
    void onModelReset();
    void onRangeChanged();
    void syncTrace();
    void syncPainter();
    void updateScrollBars();
    void onHorizontalScroll(int value);
    void scheduleTick();
    void onTick();
    void setHoverRow(int row);
    void activate(const TimelineHit &hit);
    void startExport(bool svg);
    qint64 now() const;

    QPointer<TimelineModel> m_model;
    TimelineZoom m_zoom;
    TimelinePainter m_painter;
    QTimer m_tick;
    std::function<qint64()> m_clock;
    bool m_updatingScrollBars = false;
    qint64 m_scrollUnit = 1000;
    qint64 m_scrollBase = 0;
    bool m_pressed = false;
    bool m_dragging = false;
    QPoint m_pressPos;
    qint64 m_pressRangeStart = 0;
};

} // namespace Baton
