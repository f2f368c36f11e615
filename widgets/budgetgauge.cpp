#include "widgets/budgetgauge.h"

#include "widgets/fontscale.h"

#include <algorithm>
#include <cmath>

#include <QEvent>
#include <QFontMetrics>
#include <QHelpEvent>
#include <QPainter>
#include <QToolTip>

namespace Baton {

namespace {
constexpr int kPad = 6;
constexpr int kMinCell = 6;
constexpr int kGap = 2;

QColor mixColor(const QColor &a, const QColor &b, double t)
{
    return QColor::fromRgbF(float(a.redF() * (1 - t) + b.redF() * t), float(a.greenF() * (1 - t) + b.greenF() * t),
        float(a.blueF() * (1 - t) + b.blueF() * t));
}
} // namespace

BudgetGauge::BudgetGauge(QWidget *parent)
    : QWidget(parent)
{
    setMouseTracking(false);
    setAttribute(Qt::WA_OpaquePaintEvent);
}

void BudgetGauge::setBudget(const CapacityBudget &budget)
{
    if (budget == m_budget)
        return;
    m_budget = budget;
    ++m_changes;
    updateGeometry();
    update();
}

void BudgetGauge::setTheme(const Theme &theme)
{
    m_theme = theme;
    update();
}

void BudgetGauge::setFontScale(qreal scale)
{
    m_fontScale = std::clamp<qreal>(scale, 0.5, 6.0);
    updateGeometry();
    update();
}

void BudgetGauge::setQueueNames(int n)
{
    m_queueNames = std::max(0, n);
    update();
}

QFont BudgetGauge::scaled(qreal factor, bool bold) const
{
    return scaledFont(font(), m_fontScale * factor, bold);
}

QSize BudgetGauge::sizeHint() const
{
    const QFontMetrics title(scaled(1.1, true));
    const QFontMetrics text(scaled(0.95));
    const int h = kPad + title.height() + 4 + int(title.height() * 1.2) + 4 + text.height() * 2 + kPad;
    return QSize(int(340 * m_fontScale), h);
}

QSize BudgetGauge::minimumSizeHint() const
{
    const QSize s = sizeHint();
    return QSize(std::min(s.width(), int(160 * m_fontScale)), s.height());
}

BudgetGauge::Layout BudgetGauge::layout() const
{
    Layout l;
    const QFontMetrics title(scaled(1.1, true));
    const QFontMetrics text(scaled(0.95));
    const int w = width() - 2 * kPad;
    int y = kPad;
    l.title = QRect(kPad, y, w, title.height());
    y += title.height() + 4;
    l.bar = QRect(kPad, y, w, int(title.height() * 1.2));
    y += l.bar.height() + 4;
    l.summary = QRect(kPad, y, w, text.height());
    y += text.height();
    l.queue = QRect(kPad, y, w, text.height());
    const int slots = std::max({ 1, m_budget.limit, m_budget.occupied() });
    // Separate cells while each can be told apart; beyond that a proportional bar.
    if ((w - kGap * (slots - 1)) / slots >= kMinCell) {
        l.cells = slots;
        l.cellWidth = double(w - kGap * (slots - 1)) / slots;
    }
    return l;
}

QColor BudgetGauge::causeColor(const Theme &theme, CapacityBudget::Cause cause)
{
    switch (cause) {
    case CapacityBudget::Cause::ThisJob:
        return theme.nodeRunColor(NodeRunState::InMaintenance);
    case CapacityBudget::Cause::OtherJob:
        return theme.nodeRunColor(NodeRunState::Starting);
    case CapacityBudget::Cause::Manual:
        return theme.color(Theme::Role::Orphaned);
    case CapacityBudget::Cause::FailingCheck:
        return theme.color(Theme::Role::Critical);
    }
    return theme.color(Theme::Role::Neutral);
}

Qt::BrushStyle BudgetGauge::causePattern(CapacityBudget::Cause cause)
{
    switch (cause) {
    case CapacityBudget::Cause::ThisJob:
        return Qt::SolidPattern;
    case CapacityBudget::Cause::OtherJob:
        return Qt::BDiagPattern;
    case CapacityBudget::Cause::Manual:
        return Qt::Dense5Pattern;
    case CapacityBudget::Cause::FailingCheck:
        return Qt::DiagCrossPattern;
    }
    return Qt::SolidPattern;
}

QString BudgetGauge::nodeAt(const QPoint &pos) const
{
    const Layout l = layout();
    if (!l.bar.contains(pos) || m_budget.offline.isEmpty())
        return QString();
    int index = -1;
    if (l.cells > 0) {
        index = int((pos.x() - l.bar.left()) / (l.cellWidth + kGap));
    } else {
        const int slots = std::max({ 1, m_budget.limit, m_budget.occupied() });
        index = int(double(pos.x() - l.bar.left()) / l.bar.width() * slots);
    }
    return index >= 0 && index < m_budget.offline.size() ? m_budget.offline.at(index).node : QString();
}

bool BudgetGauge::event(QEvent *e)
{
    if (e->type() == QEvent::ToolTip) {
        auto *help = static_cast<QHelpEvent *>(e);
        const QString node = nodeAt(help->pos());
        QString text;
        for (const CapacityBudget::Offline &o : m_budget.offline) {
            if (o.node == node) {
                text = QStringLiteral("<b>%1</b> — %2<br>%3")
                           .arg(o.node.toHtmlEscaped(), CapacityBudget::causeName(o.cause), o.reason.toHtmlEscaped());
                if (o.jobId > 0)
                    text += QStringLiteral("<br>job %1").arg(o.jobId);
            }
        }
        if (text.isEmpty())
            text = m_budget.summary().toHtmlEscaped();
        QToolTip::showText(help->globalPos(), text, this);
        return true;
    }
    return QWidget::event(e);
}

void BudgetGauge::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    p.fillRect(rect(), m_theme.color(Theme::Role::Window));
    const Layout l = layout();
    const QColor text = m_theme.color(Theme::Role::Text);
    const QColor muted = m_theme.color(Theme::Role::MutedText);
    const QColor base = m_theme.color(Theme::Role::Base);
    const QColor critical = m_theme.color(Theme::Role::Critical);

    // Title: service and the rule in force.
    p.setFont(scaled(1.1, true));
    p.setPen(text);
    const QString service = m_budget.service.isEmpty() ? tr("(no service)") : m_budget.service;
    const QFontMetrics tfm(p.font());
    const int serviceWidth = tfm.horizontalAdvance(service);
    p.drawText(l.title, Qt::AlignVCenter | Qt::AlignLeft, service);
    p.setFont(scaled(0.95));
    p.setPen(m_budget.warning.isEmpty() ? muted : m_theme.color(Theme::Role::Warning));
    QString rule
        = tr("max_offline %1")
              .arg(m_budget.maxOfflineDescription.isEmpty() ? m_budget.maxOffline : m_budget.maxOfflineDescription);
    if (!m_budget.warning.isEmpty())
        rule += QStringLiteral(" ⚠ ") + m_budget.warning;
    const QRect ruleRect = l.title.adjusted(serviceWidth + 10, 0, 0, 0);
    p.drawText(ruleRect, Qt::AlignVCenter | Qt::AlignLeft,
        QFontMetrics(p.font()).elidedText(rule, Qt::ElideRight, ruleRect.width()));

    // The bar.
    p.setRenderHint(QPainter::Antialiasing, false);
    const int slots = std::max({ 1, m_budget.limit, m_budget.occupied() });
    auto cellRect = [&](int i) {
        if (l.cells > 0)
            return QRectF(l.bar.left() + i * (l.cellWidth + kGap), l.bar.top(), l.cellWidth, l.bar.height());
        const double w = double(l.bar.width()) / slots;
        return QRectF(l.bar.left() + i * w, l.bar.top(), w, l.bar.height());
    };
    auto paintCell = [&](const QRectF &r, const QColor &color, Qt::BrushStyle pattern, const QColor &outline) {
        if (pattern == Qt::SolidPattern) {
            p.fillRect(r, color);
        } else {
            p.fillRect(r, mixColor(base, color, 0.3));
            p.fillRect(r, QBrush(color, pattern));
        }
        if (outline.isValid() && r.width() >= 3) {
            p.setPen(QPen(outline, 1));
            p.setBrush(Qt::NoBrush);
            p.drawRect(r.adjusted(0.5, 0.5, -0.5, -0.5));
        }
    };
    if (m_budget.isFrozen() && m_budget.occupied() == 0) {
        paintCell(QRectF(l.bar), muted, Qt::DiagCrossPattern, muted);
        p.setPen(text);
        p.setFont(scaled(0.95, true));
        p.drawText(l.bar, Qt::AlignCenter, tr("frozen"));
    } else {
        for (int i = 0; i < slots; ++i) {
            const QRectF r = cellRect(i);
            if (i < m_budget.offline.size()) {
                const auto cause = m_budget.offline.at(i).cause;
                const bool over = i >= m_budget.limit;
                paintCell(r, causeColor(m_theme, cause), causePattern(cause), over ? critical : QColor());
            } else {
                paintCell(r, base, Qt::SolidPattern, m_theme.color(Theme::Role::Border));
            }
        }
        // Node names inside the cells when they fit: the wall reads "web-3" faster than a tooltip.
        if (l.cells > 0) {
            p.setFont(scaled(0.85, true));
            const QFontMetrics cfm(p.font());
            for (int i = 0; i < std::min<int>(slots, int(m_budget.offline.size())); ++i) {
                const QRectF r = cellRect(i);
                const QString name = m_budget.offline.at(i).node;
                if (cfm.horizontalAdvance(name) + 8 > r.width() || cfm.height() > r.height())
                    continue;
                const auto cause = m_budget.offline.at(i).cause;
                const QColor fillColor = causePattern(cause) == Qt::SolidPattern
                    ? causeColor(m_theme, cause)
                    : mixColor(base, causeColor(m_theme, cause), 0.3);
                p.setPen(qGray(fillColor.rgb()) > 140 ? QColor(Qt::black) : QColor(Qt::white));
                // A halo of the fill keeps the name readable over a pattern.
                p.fillRect(QRectF(r.center().x() - cfm.horizontalAdvance(name) / 2.0 - 2,
                               r.center().y() - cfm.height() / 2.0, cfm.horizontalAdvance(name) + 4, cfm.height()),
                    fillColor);
                p.drawText(r, Qt::AlignCenter, name);
            }
        }
        if (m_budget.isOverBudget()) {
            // The limit marker: everything right of it is beyond what max_offline allows.
            const double x = m_budget.limit > 0 ? cellRect(m_budget.limit - 1).right() + kGap / 2.0 : l.bar.left();
            p.fillRect(QRectF(x - 1, l.bar.top() - 3, 2, l.bar.height() + 6), critical);
        }
    }

    // Summary and queue.
    p.setFont(scaled(0.95));
    const QFontMetrics fm(p.font());
    p.setPen(m_budget.isOverBudget() ? critical : text);
    p.drawText(l.summary, Qt::AlignVCenter | Qt::AlignLeft,
        fm.elidedText(m_budget.summary(), Qt::ElideRight, l.summary.width()));
    if (const QString queue = queueText(); !queue.isEmpty()) {
        p.setPen(muted);
        p.drawText(l.queue, Qt::AlignVCenter | Qt::AlignLeft, fm.elidedText(queue, Qt::ElideRight, l.queue.width()));
    }
}

QString BudgetGauge::queueText() const
{
    if (m_budget.queue.isEmpty())
        return QString();
    QStringList names;
    for (int i = 0; i < std::min<int>(m_queueNames, int(m_budget.queue.size())); ++i)
        names << m_budget.queue.at(i).node;
    QString queue = tr("waiting: %1").arg(names.join(QStringLiteral(", ")));
    if (m_budget.queue.size() > m_queueNames)
        queue += QStringLiteral(" +%1").arg(m_budget.queue.size() - m_queueNames);
    return queue;
}

} // namespace Baton
