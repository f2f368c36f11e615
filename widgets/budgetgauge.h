#pragma once

#include "models/capacitybudget.h"
#include "widgets/theme.h"

#include <QWidget>

namespace Baton {

// \class BudgetGauge
// \brief One service's disruption budget at a glance: max_offline, what is offline now split by cause (this
// job, another job, manual maintenance, failing check) and the waiting queue.
//
// A bar of max_offline slots, one cell per slot (a proportional bar when the limit is too large for cells):
// cells fill in cause order, each cause with its own colour *and* pattern, free slots stay hollow, and an
// instance offline beyond the limit is drawn past a limit marker in the critical colour. Frozen services
// (max_offline 0) show a crossed bar. Hovering a cell names the node and why it is offline.
// Setting an equal budget again does not repaint.
class BudgetGauge : public QWidget
{
    Q_OBJECT

public:
    explicit BudgetGauge(QWidget *parent = nullptr);

    void setBudget(const CapacityBudget &budget);
    const CapacityBudget &budget() const { return m_budget; }
    void setTheme(const Theme &theme);
    // Larger type for the wall display.
    void setFontScale(qreal scale);
    // How many waiting nodes are named before "+N".
    void setQueueNames(int n);

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

    // The node whose cell is at `pos`, or an empty string.
    QString nodeAt(const QPoint &pos) const;
    // The waiting-queue line under the bar ("waiting: web-7, web-9 +3", longest wait first), empty without one.
    QString queueText() const;
    // How many times the budget actually changed (tests: equal budgets must not count).
    int changeCount() const { return m_changes; }

    // Cause colours and patterns, shared with legends.
    static QColor causeColor(const Theme &theme, CapacityBudget::Cause cause);
    static Qt::BrushStyle causePattern(CapacityBudget::Cause cause);

protected:
    void paintEvent(QPaintEvent *event) override;
    bool event(QEvent *event) override;

private:
    struct Layout
    {
        QRect title;
        QRect bar;
        QRect summary;
        QRect queue;
        int cells = 0; // 0: proportional bar
        double cellWidth = 0;
    };
    Layout layout() const;
    QFont scaled(qreal factor, bool bold = false) const;

    CapacityBudget m_budget;
    Theme m_theme = Theme::current();
    qreal m_fontScale = 1.0;
    int m_queueNames = 4;
    int m_changes = 0;
};

} // namespace Baton
