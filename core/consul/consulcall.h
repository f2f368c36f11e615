#pragma once

#include <QObject>
#include <QPointer>

namespace Baton {

// Something in flight that can be aborted: one HTTP exchange, or a group of them (the budget reader).
class ConsulOperation : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;
    // After abort() returns the operation's callback is never called. Harmless once finished.
    virtual void abort() = 0;
    // True once the callback has run or the operation was aborted.
    virtual bool isDone() const = 0;
};

// The handle a ConsulClient call returns. Cheap to copy; does not own the operation, which deletes itself
// once its callback ran or it was aborted. Use it from the client's thread.
class ConsulCall
{
public:
    ConsulCall() = default;
    explicit ConsulCall(ConsulOperation *operation)
        : m_operation(operation)
    { }

    // Stops the call (closing its connection if it is still open); its callback will not run.
    void abort();
    // True until the callback has run or the call was aborted.
    bool isActive() const { return m_operation && !m_operation->isDone(); }

private:
    QPointer<ConsulOperation> m_operation;
};

} // namespace Baton
