"""Lifecycle events on Kafka (confluent-kafka): topics and ordered, acknowledged delivery.

Topics (contract of issue 17): one per service ``locus.ns.<ns_id>`` and one per project
``locus.project.<project>.lcm``. The broker does not create topics by itself; this module
creates the two topics of an event before sending it (one partition each, so a topic keeps
the order it was written in), and deletes the service topic once the terminate of its NS
instance has COMPLETED and that last event is on it. The key of every message is the NS
instance id.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Protocol

from locus_iac.errors import RetryableError
from locus_iac.monitoring.render import project_topic, service_topic

log = logging.getLogger(__name__)

_TIMEOUT = 10.0


class EventBus(Protocol):
    """Where op occurrence events go (the product's is :class:`KafkaBus`)."""

    def publish(self, topics: list[str], key: str, event: dict[str, Any]) -> None: ...

    def delete_topic(self, topic: str) -> None: ...


def event_topics(project: str, ns_id: str) -> list[str]:
    return [project_topic(project), service_topic(ns_id)]


class KafkaBus:
    """The Kafka broker at ``bootstrap`` (``host:port[,host:port...]``).

    The clients are made when an event is sent and dropped after a failure, so a broker that
    is down is not polled in the background (the outbox retries with backoff); librdkafka's
    own log goes to the ``confluent_kafka`` Python logger.
    """

    def __init__(self, bootstrap: str, replication: int = 1) -> None:
        self._common: dict[str, Any] = {
            "bootstrap.servers": bootstrap,
            "socket.timeout.ms": 5000,
            "reconnect.backoff.max.ms": 10000,
            "logger": logging.getLogger("confluent_kafka"),
        }
        self._replication = replication
        self._known: set[str] = set()
        self._admin_client: Any = None
        self._producer_client: Any = None

    @property
    def _admin(self) -> Any:
        if self._admin_client is None:
            from confluent_kafka.admin import AdminClient

            self._admin_client = AdminClient(dict(self._common))
        return self._admin_client

    @property
    def _producer(self) -> Any:
        if self._producer_client is None:
            from confluent_kafka import Producer

            settings = {"enable.idempotence": True, "acks": "all", "message.timeout.ms": 10000}
            self._producer_client = Producer({**self._common, **settings})
        return self._producer_client

    def _reset(self) -> None:
        """Drop the clients after a failure (a new attempt makes new ones)."""
        self._admin_client = self._producer_client = None
        self._known.clear()

    def _ensure(self, topics: list[str]) -> None:
        from confluent_kafka import KafkaError, KafkaException
        from confluent_kafka.cimpl import NewTopic

        missing = [t for t in topics if t not in self._known]
        if not missing:
            return
        futures = self._admin.create_topics(
            [NewTopic(t, num_partitions=1, replication_factor=self._replication) for t in missing],
            request_timeout=_TIMEOUT,
        )
        for topic, future in futures.items():
            try:
                future.result(timeout=_TIMEOUT)
            except KafkaException as exc:
                error = exc.args[0] if exc.args else None
                if getattr(error, "code", lambda: None)() != KafkaError.TOPIC_ALREADY_EXISTS:
                    raise RetryableError(f"Kafka: cannot create {topic}: {exc}", 5.0) from None
            except Exception as exc:  # a timeout of the admin future
                why = str(exc) or type(exc).__name__
                raise RetryableError(f"Kafka: cannot create {topic}: {why}", 5.0) from None
            self._known.add(topic)

    def publish(self, topics: list[str], key: str, event: dict[str, Any]) -> None:
        """Send ``event`` to each topic and wait for the broker's acknowledgement."""
        try:
            self._publish(topics, key, event)
        except RetryableError:
            self._reset()
            raise

    def delete_topic(self, topic: str) -> None:
        """Delete ``topic`` (a topic that is already gone is fine)."""
        try:
            self._delete(topic)
        except RetryableError:
            self._reset()
            raise

    def _publish(self, topics: list[str], key: str, event: dict[str, Any]) -> None:
        self._ensure(topics)
        failures: list[str] = []

        def delivered(err: Any, _msg: Any) -> None:
            if err is not None:
                failures.append(str(err))

        value = json.dumps(event, separators=(",", ":")).encode()
        for topic in topics:
            try:
                self._producer.produce(topic, value=value, key=key.encode(), on_delivery=delivered)
            except BufferError as exc:
                raise RetryableError(f"Kafka: producer queue full: {exc}", 5.0) from None
        remaining = self._producer.flush(_TIMEOUT)
        if remaining or failures:
            raise RetryableError(
                f"Kafka: event not acknowledged ({remaining} pending; {'; '.join(failures)})", 5.0
            )

    def _delete(self, topic: str) -> None:
        from confluent_kafka import KafkaError, KafkaException

        futures = self._admin.delete_topics([topic], request_timeout=_TIMEOUT)
        for name, future in futures.items():
            try:
                future.result(timeout=_TIMEOUT)
            except KafkaException as exc:
                error = exc.args[0] if exc.args else None
                if getattr(error, "code", lambda: None)() != KafkaError.UNKNOWN_TOPIC_OR_PART:
                    raise RetryableError(f"Kafka: cannot delete {name}: {exc}", 5.0) from None
            except Exception as exc:  # a timeout of the admin future
                why = str(exc) or type(exc).__name__
                raise RetryableError(f"Kafka: cannot delete {name}: {why}", 5.0) from None
            self._known.discard(name)
