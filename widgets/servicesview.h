#pragma once

#include <QWidget>

class QLabel;
class QPushButton;
class QTableView;

namespace Baton {

class ServiceBudgetModel;

// The Services page: every service's instances, health counts, slot holders and max_offline, with the details of
// the selected one (who is offline and why, who holds slots, who waits) and the max_offline editor's entry point.
class ServicesView : public QWidget
{
    Q_OBJECT

public:
    explicit ServicesView(ServiceBudgetModel *model, QWidget *parent = nullptr);

    QString currentService() const;
    void selectService(const QString &service);
    void setReadOnly(bool readOnly);
    void setStatusText(const QString &text); // "Consul unreachable: showing data from 14:02"
    QTableView *table() const { return m_table; }

Q_SIGNALS:
    void editMaxOfflineRequested(const QString &service);

private:
    void updateDetails();

    ServiceBudgetModel *m_model;
    QTableView *m_table;
    QLabel *m_details;
    QLabel *m_status;
    QPushButton *m_edit;
    bool m_readOnly = false;
};

} // namespace Baton
