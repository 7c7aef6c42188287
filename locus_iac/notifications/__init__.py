"""SOL005 subscriptions and notifications (issue 16).

* :mod:`.filters` - the subscription filters of each API and how they match;
* :mod:`.schemas` - subscription requests and representations;
* :mod:`.store` - subscriptions in the database (authentication sealed);
* :mod:`.lcm_events` - NS lifecycle notifications, queued by :mod:`locus_iac.lcm.queue`
  (the package ones are :mod:`locus_iac.catalogue.package_events`);
* :mod:`.client` - the address policy, authentication, callback test and delivery;
* :mod:`.drain` - fan-out and delivery from the transactional outbox in ``locus serve``.
"""

from locus_iac.notifications.client import CallbackClient
from locus_iac.notifications.drain import NotificationDrainer, NotifyStats
from locus_iac.notifications.settings import NotifySettings

__all__ = ["CallbackClient", "NotificationDrainer", "NotifySettings", "NotifyStats"]
