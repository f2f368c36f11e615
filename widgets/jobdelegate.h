#pragma once

#include <QStyledItemDelegate>

namespace Baton {

// Paints the job list's state and progress cells: a chip in the job's graded colour with its state, and the node
// counts as a stacked bar beside "14 ok / 1 failed / 3 waiting". A stuck job gets a warning mark that does not
// rely on colour. Everything else is the default painting.
class JobDelegate : public QStyledItemDelegate
{
    Q_OBJECT

public:
    explicit JobDelegate(QObject *parent = nullptr);

    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;

private:
    void paintState(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const;
    void paintProgress(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const;
};

} // namespace Baton
