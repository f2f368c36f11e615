#pragma once

#include <QWidget>

class QLabel;

namespace Baton {

class ConnectionStatusModel;

// The status bar's view of the connections: one compact item per connection (a shape and colour for its state,
// its name and latency), the last error in the tooltip. Clicking opens the details.
class ConnectionIndicator : public QWidget
{
    Q_OBJECT

public:
    explicit ConnectionIndicator(ConnectionStatusModel *model, QWidget *parent = nullptr);

    QString summaryText() const; // "Job service: connected 12 ms · Event stream: connected · Consul: down"

Q_SIGNALS:
    void clicked();

protected:
    void mousePressEvent(QMouseEvent *event) override;

private:
    void refresh();

    ConnectionStatusModel *m_model;
    QList<QLabel *> m_labels;
};

} // namespace Baton
