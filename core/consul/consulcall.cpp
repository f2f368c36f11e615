#include "core/consul/consulcall.h"

namespace Baton {

void ConsulCall::abort()
{
    if (m_operation)
        m_operation->abort();
    m_operation.clear();
}

} // namespace Baton
