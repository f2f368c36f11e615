#include "widgets/walltile.h"

#include "models/timelinecoordinates.h"
#include "models/timelinemodel.h"
#include "widgets/fontscale.h"

#include <algorithm>
#include <cmath>

#include <QDateTime>
#include <QFontMetrics>
#include <QPaintEvent>
#include <QPainter>

namespace Baton {

WallTile::WallTile(QWidget *parent)
    : QWidget(parent)
{
    setAttribute(Qt::WA_OpaquePaintEvent);
    m_painter.setTheme(m_theme);
    TimelinePainter::Options o;
    o.fit = true;
    o.showTasks = true;
    m_painter.setOptions(o);
    setFontScale(m_fontScale);
}

void WallTile::setModel(TimelineModel *model)
{
    if (m_model == model)
        return;
    if (m_model)
        disconnect(m_model, nullptr, this, nullptr);
    m_model = model;
    m_jobId = model ? model->jobId() : 0;
    m_painter.setModel(model);
    if (model)
        connect(model, &TimelineModel::updated, this, &WallTile::onModelUpdated);
    syncTimeline();
    update();
}

TimelineModel *WallTile::model() const
{
    return m_model.data();
}

void WallTile::setAttention(const TimelineJobAttention &attention)
{
    if (attention == m_attention)
        return;
    m_attention = attention;
    update();
}

void WallTile::setTheme(const Theme &theme)
{
    m_theme = theme;
    m_painter.setTheme(theme);
    update();
}

QFont WallTile::scaled(qreal factor, bool bold) const
{
    return scaledFont(font(), m_fontScale * factor, bold);
}

void WallTile::setFontScale(qreal scale)
{
    m_fontScale = std::clamp<qreal>(scale, 0.5, 6.0);
    TimelinePainter::Options o = m_painter.options();
    o.fontScale = m_fontScale * 0.75;
    o.labelWidth = int(120 * m_fontScale);
    o.rulerHeight = int(18 * m_fontScale);
    o.headerHeight = int(16 * m_fontScale);
    o.minRowHeight = 2;
    o.maxRowHeight = int(18 * m_fontScale);
    m_painter.setOptions(o);
    update();
}

void WallTile::setStuckAfter(qint64 ms)
{
    TimelinePainter::Options o = m_painter.options();
    o.stuckAfterMs = ms;
    m_painter.setOptions(o);
}

int WallTile::headerHeight() const
{
    const QFontMetrics title(scaled(1.0, true));
    const QFontMetrics small(scaled(0.75));
    return 8 + title.height() + small.height() + 8;
}

QRect WallTile::timelineRect() const
{
    return QRect(0, headerHeight(), width(), std::max(0, height() - headerHeight()));
}

void WallTile::syncTimeline()
{
    m_painter.setSize(timelineRect().size());
    m_painter.setDevicePixelRatio(devicePixelRatioF());
    if (!m_model || m_model->laneCount() == 0)
        return;
    const qint64 now = m_now > 0 ? m_now : m_model->traceEnd(0);
    m_zoom.setNow(now);
    m_zoom.setTrace(m_model->traceStart(), m_model->traceEnd(now));
    // The whole job: following it while it runs, framed once it is over.
    if (m_model->isFinished()) {
        if (m_zoom.follow() != TimelineZoom::Follow::Off || m_zoom.rangeEnd() < m_model->traceEnd(now))
            m_zoom.fitTrace(false);
    } else if (m_zoom.follow() != TimelineZoom::Follow::Trace) {
        m_zoom.setFollow(TimelineZoom::Follow::Trace);
    }
    m_painter.setRange(m_zoom.rangeStart(), m_zoom.rangeEnd());
    m_painter.setNow(now);
}

void WallTile::onModelUpdated()
{
    syncTimeline();
    update();
}

bool WallTile::setNow(qint64 now)
{
    const qint64 oldStart = m_painter.rangeStart();
    const qint64 oldEnd = m_painter.rangeEnd();
    const int width = std::max(1, int(std::lround(timelineRect().width() * devicePixelRatioF())));
    const auto px = [&](qint64 t, qint64 s, qint64 e) { return std::floor(Timeline::timeToPixel(t, s, e, width)); };
    const double oldX = px(m_now, oldStart, oldEnd);
    m_now = now;
    syncTimeline();
    const bool moved = m_painter.rangeStart() != oldStart || m_painter.rangeEnd() != oldEnd
        || px(now, m_painter.rangeStart(), m_painter.rangeEnd()) != oldX;
    if (moved && m_model && !m_model->isFinished()) {
        update(timelineRect());
        return true;
    }
    return false;
}

qint64 WallTile::msUntilNowMoves() const
{
    return m_painter.msUntilNowMoves();
}

void WallTile::hideEvent(QHideEvent *event)
{
    QWidget::hideEvent(event);
    // A wall holds a tile for every job but shows a page of them: a tile rotated out (or a job pushed off the
    // page by one that needs attention) keeps its model and gives back its picture, about a megabyte a tile.
    // Without this, every tile ever shown kept its raster until its job left, which the soak measured as
    // ~70 MB of growth on a busy wall. Coming back costs one cold frame.
    m_painter.releaseCaches();
}

void WallTile::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    syncTimeline();
}

QColor WallTile::attentionColor(const Theme &theme, TimelineAttention level)
{
    switch (level) {
    case TimelineAttention::Stuck:
        return theme.color(Theme::Role::Stuck);
    case TimelineAttention::Failed:
        return theme.color(Theme::Role::Critical);
    case TimelineAttention::Halted:
    case TimelineAttention::WaitingLong:
        return theme.color(Theme::Role::Warning);
    case TimelineAttention::Running:
        return theme.color(Theme::Role::Info);
    case TimelineAttention::Queued:
        return theme.color(Theme::Role::Neutral);
    case TimelineAttention::Finished:
        return theme.color(Theme::Role::Ok);
    }
    return theme.color(Theme::Role::Neutral);
}

void WallTile::paintEvent(QPaintEvent *event)
{
    ++m_paints;
    QPainter p(this);
    const QRect header(0, 0, width(), headerHeight());
    const QColor accent = attentionColor(m_theme, m_attention.level);
    if (event->rect().intersects(header)) {
        p.fillRect(header, m_theme.color(Theme::Role::Window));
        // A strong left edge in the attention colour: the wall is read from across the room.
        const int edge = std::max(4, int(6 * m_fontScale));
        p.fillRect(QRect(0, 0, edge, height()), accent);
        const TimelineModel *m = m_model.data();
        const QFont title = scaled(1.0, true);
        const QFont small = scaled(0.75);
        const QFontMetrics tfm(title);
        const QFontMetrics sfm(small);
        int x = edge + 10;
        const int y = 8;
        // Attention badge, text on the colour.
        const QString badge = displayName(m_attention.level).toUpper();
        p.setFont(scaled(0.7, true));
        const QFontMetrics bfm(p.font());
        const QRect badgeRect(
            x, y + (tfm.height() - bfm.height() - 4) / 2, bfm.horizontalAdvance(badge) + 12, bfm.height() + 4);
        p.fillRect(badgeRect, accent);
        p.setPen(qGray(accent.rgb()) > 140 ? QColor(Qt::black) : QColor(Qt::white));
        p.drawText(badgeRect, Qt::AlignCenter, badge);
        x = badgeRect.right() + 10;

        const NodeCounts counts = m ? m->counts() : NodeCounts();
        const int barWidth = std::min(int(220 * m_fontScale), width() / 4);
        const QRect bar(width() - barWidth - 10, y + tfm.height() / 4, barWidth, tfm.height() / 2);
        QString name;
        QString sub;
        if (m) {
            const Job &job = m->job();
            const QString target = !job.spec.target.service.isEmpty() ? job.spec.target.service
                : m->groupCount() > 0                                 ? m->group(0).service
                                                                      : QString();
            name = QStringLiteral("#%1 %2").arg(job.id).arg(job.spec.playbook);
            if (!target.isEmpty())
                name += QStringLiteral(" → ") + target;
            QStringList parts;
            parts << counts.summary();
            if (!m_attention.reason.isEmpty() && m_attention.needsAttention())
                parts.prepend(m_attention.reason);
            if (!job.operatorName.isEmpty())
                parts << job.operatorName;
            if (job.createdAtMs > 0)
                parts << QStringLiteral("since %1")
                             .arg(QDateTime::fromMSecsSinceEpoch(job.createdAtMs).toString(QStringLiteral("HH:mm")));
            sub = parts.join(QStringLiteral(" · "));
        }
        p.setFont(title);
        p.setPen(m_theme.color(Theme::Role::Text));
        p.drawText(QRect(x, y, bar.left() - x - 10, tfm.height()), Qt::AlignVCenter | Qt::AlignLeft,
            tfm.elidedText(name, Qt::ElideRight, bar.left() - x - 10));
        p.setFont(small);
        p.setPen(m_attention.needsAttention() ? accent : m_theme.color(Theme::Role::MutedText));
        p.drawText(QRect(edge + 10, y + tfm.height(), width() - edge - 20, sfm.height()),
            Qt::AlignVCenter | Qt::AlignLeft, sfm.elidedText(sub, Qt::ElideRight, width() - edge - 20));
        if (counts.total() > 0)
            m_theme.paintCountsBar(p, QRectF(bar), counts);
    }
    const QRect tl = timelineRect();
    if (event->rect().intersects(tl)) {
        p.save();
        p.translate(tl.topLeft());
        m_painter.setSize(tl.size());
        m_painter.setDevicePixelRatio(devicePixelRatioF());
        m_painter.paint(p, event->rect().translated(-tl.topLeft()).intersected(QRect(QPoint(0, 0), tl.size())));
        p.restore();
        const int edge = std::max(4, int(6 * m_fontScale));
        p.fillRect(QRect(0, tl.top(), edge, tl.height()), accent);
    }
}

} // namespace Baton
