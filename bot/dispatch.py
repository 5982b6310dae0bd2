"""Dispatch: text in, an answer out — parse → authorize → run a read command, or hand a disruptive one to the
approval workflow → reply through the surface's responder.

Every request gets a correlation id and exactly one structured log line (who, what, cluster, risk, outcome,
milliseconds). Every failure becomes a clear answer: bad input shows the usage, an unknown command suggests
names, missing roles say which role is needed, a cluster that is down or forbids the call says so; anything
unexpected is logged with the correlation id and the user sees "internal error (ref …)", never a traceback.

This module never runs a disruptive handler itself: only the approval workflow does, after approval.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from dataclasses import dataclass
from typing import Any, Protocol

from bot.blocks import Code, Context, Level, Message, Notice, View
from bot.deps import Deps
from bot.errors import (
    AksbotError,
    Conflict,
    Forbidden,
    NotAuthorized,
    NotConfigured,
    NotFound,
    Refused,
    UnknownCommand,
    Upstream,
    UserError,
)
from bot.parser import FreeText, ParsedCommand, Parser, Surface
from bot.registry import REGISTRY, Call, Caller, CommandSpec, Registry, Risk, Scope
from bot.settings import role_name
from bot.surface import MessageRef, Reply, Responder, Visibility

log = logging.getLogger("aksbot.command")


class GroupDirectory(Protocol):
    """Which user groups a user belongs to (Slack user groups; the settings' `groups` in the shell)."""

    def groups_of(self, user: str) -> frozenset[str]: ...


class NoGroups:
    def groups_of(self, user: str) -> frozenset[str]:
        return frozenset()


@dataclass(frozen=True)
class Incoming:
    """One request from a surface: what was typed (or the command of a clicked button), by whom, where."""

    text: str
    user: str
    surface: Surface
    channel: str | None = None
    thread: MessageRef | None = None


@dataclass(frozen=True)
class Outcome:
    """What happened, for logs and tests: `ok`, `requested`, `user_error`, `denied`, `failed`, `error`."""

    status: str
    command: str | None
    correlation_id: str
    view: View


def new_correlation_id() -> str:
    return secrets.token_hex(4)


class Dispatcher:
    def __init__(
        self,
        deps: Deps,
        *,
        registry: Registry = REGISTRY,
        groups: GroupDirectory | None = None,
    ) -> None:
        self.deps = deps
        self.registry = registry
        self.parser = Parser(registry)
        self.groups = groups or NoGroups()

    # -- the one entry point -------------------------------------------------------------------------------
    def handle(self, incoming: Incoming, responder: Responder) -> Outcome:
        cid = new_correlation_id()
        started = time.monotonic()
        command: str | None = None
        cluster: str | None = None
        risk: str = "-"
        try:
            parsed_or_text = self.parser.parse(incoming.text, incoming.surface)
            if isinstance(parsed_or_text, FreeText):
                question = self._knowledge_question(parsed_or_text)
                if question is None:
                    view = Message(
                        "No knowledge base is loaded",
                        (
                            Notice(
                                "That does not look like a command, and no knowledge base is loaded to answer "
                                "questions. Try `/k8s help` for the commands.",
                                Level.INFO,
                            ),
                        ),
                    ).view()
                    return self._finish(
                        cid, started, incoming, responder, "user_error", None, None, "-", view, Visibility.EPHEMERAL
                    )
                parsed = question
            else:
                parsed = parsed_or_text
            spec = parsed.spec
            command, risk = spec.name, spec.risk.value
            caller = Caller(incoming.user, self.groups.groups_of(incoming.user))
            cluster = self._resolve_cluster(parsed, incoming)
            self._authorize(spec, caller, cluster)
            call = self._call(parsed, caller, cluster, cid, incoming)
            if spec.risk is Risk.DISRUPTIVE:
                return self._request_approval(call, spec, incoming, responder, started)
            result = spec.handler(call, self.deps)
            view = result.view()
            visibility = Visibility.EPHEMERAL if spec.name == "help" else Visibility.CHANNEL
            return self._finish(cid, started, incoming, responder, "ok", command, cluster, risk, view, visibility)
        except UserError as exc:
            return self._finish(
                cid,
                started,
                incoming,
                responder,
                "user_error",
                command,
                cluster,
                risk,
                _user_error_view(exc),
                Visibility.EPHEMERAL,
            )
        except NotAuthorized as exc:
            return self._finish(
                cid,
                started,
                incoming,
                responder,
                "denied",
                command,
                cluster,
                risk,
                _notice(exc.message, Level.ERROR),
                Visibility.EPHEMERAL,
            )
        except (NotFound, Conflict, Refused, NotConfigured) as exc:
            return self._finish(
                cid,
                started,
                incoming,
                responder,
                "failed",
                command,
                cluster,
                risk,
                _notice(exc.message, Level.WARN),
                Visibility.EPHEMERAL,
            )
        except Forbidden as exc:
            text = f"The cluster or Azure refused the bot: {exc.message}"
            return self._finish(
                cid,
                started,
                incoming,
                responder,
                "failed",
                command,
                cluster,
                risk,
                _notice(text, Level.ERROR),
                Visibility.EPHEMERAL,
            )
        except Upstream as exc:
            hint = " It may be temporary; try again in a minute." if exc.temporary else ""
            return self._finish(
                cid,
                started,
                incoming,
                responder,
                "failed",
                command,
                cluster,
                risk,
                _notice(exc.message + hint, Level.ERROR),
                Visibility.EPHEMERAL,
            )
        except AksbotError as exc:
            return self._finish(
                cid,
                started,
                incoming,
                responder,
                "failed",
                command,
                cluster,
                risk,
                _notice(exc.message, Level.ERROR),
                Visibility.EPHEMERAL,
            )
        except Exception:
            log.exception("internal error", extra={"correlation_id": cid})
            view = Message(
                "internal error",
                (
                    Notice(
                        f"Internal error (ref {cid}). The details are in the bot's log under that reference.",
                        Level.ERROR,
                    ),
                ),
            ).view()
            return self._finish(
                cid, started, incoming, responder, "error", command, cluster, risk, view, Visibility.EPHEMERAL
            )

    # -- steps ---------------------------------------------------------------------------------------------
    def _knowledge_question(self, text: FreeText) -> ParsedCommand | None:
        kb = self.registry.get("kb")
        if kb is None or self.deps.knowledge is None:
            return None
        parsed = self.parser.parse("/k8s kb " + text.text, Surface.SLASH)
        return parsed if isinstance(parsed, ParsedCommand) else None

    def _resolve_cluster(self, parsed: ParsedCommand, incoming: Incoming) -> str | None:
        spec = parsed.spec
        settings = self.deps.settings
        if spec.scope is Scope.NONE:
            return None
        names = settings.cluster_names()
        if parsed.cluster is not None:
            if parsed.cluster not in names:
                known = ", ".join(names) if names else "none is configured"
                raise UserError(f"Unknown cluster `{parsed.cluster}` (clusters: {known}).", spec.usage())
            return parsed.cluster
        if not names:
            raise NotConfigured(
                "No cluster is configured. Start `aksbot demo` for a sandbox cluster, or add `clusters:` to the "
                "configuration file (see the README's Configuration section)."
            )
        if incoming.channel and incoming.channel in settings.channels:
            return settings.channels[incoming.channel]
        if settings.default_cluster:
            return settings.default_cluster
        if len(names) == 1:
            return names[0]
        raise UserError(
            f"Which cluster? Add `--cluster NAME` ({', '.join(names)}), or bind this channel to a "
            "cluster under `channels:` in the configuration.",
            spec.usage(),
        )

    def _authorize(self, spec: CommandSpec, caller: Caller, cluster: str | None) -> None:
        if spec.requires is None:
            return
        settings = self.deps.settings
        role = settings.role_of(caller.id, caller.groups, cluster)
        if role is None or role < spec.requires:
            where = f" on cluster `{cluster}`" if cluster else ""
            raise NotAuthorized(
                f"You may not run `{spec.name}`{where}: it needs the {role_name(spec.requires)} role "
                f"(you have: {role_name(role)}). Ask an admin to add your Slack user or group to `roles`."
            )

    def _call(
        self, parsed: ParsedCommand, caller: Caller, cluster: str | None, cid: str, incoming: Incoming
    ) -> Call[Any]:
        namespace = parsed.namespace
        if namespace is None:
            c = self.deps.settings.cluster(cluster) if cluster else None
            namespace = c.default_namespace if c else "default"
        return Call(
            command=parsed.spec.name,
            args=parsed.args,
            caller=caller,
            cluster=cluster,
            namespace=namespace,
            all_namespaces=parsed.all_namespaces,
            correlation_id=cid,
            text=parsed.text,
            lang=parsed.lang,
            channel=incoming.channel,
        )

    def _request_approval(
        self, call: Call[Any], spec: CommandSpec, incoming: Incoming, responder: Responder, started: float
    ) -> Outcome:
        approvals = self.deps.approvals
        if approvals is None:
            raise NotConfigured(
                f"`{spec.name}` changes the cluster and must be approved first, but the approval "
                "workflow is not configured, so it was not run."
            )
        card = approvals.request(call, spec)
        view = card.view()
        ref = responder.send(Reply(view, Visibility.CHANNEL))
        approvals.card_posted(card.request_id, ref)
        self._log(call.correlation_id, started, incoming, "requested", spec.name, call.cluster, spec.risk.value)
        return Outcome("requested", spec.name, call.correlation_id, view)

    def _finish(
        self,
        cid: str,
        started: float,
        incoming: Incoming,
        responder: Responder,
        status: str,
        command: str | None,
        cluster: str | None,
        risk: str,
        view: View,
        visibility: Visibility,
    ) -> Outcome:
        if incoming.surface is Surface.MENTION:
            visibility = Visibility.THREAD
        elif incoming.surface in (Surface.DM, Surface.SHELL):
            visibility = Visibility.CHANNEL
        responder.send(Reply(view, visibility))
        self._log(cid, started, incoming, status, command, cluster, risk)
        return Outcome(status, command, cid, view)

    def _log(
        self,
        cid: str,
        started: float,
        incoming: Incoming,
        status: str,
        command: str | None,
        cluster: str | None,
        risk: str,
    ) -> None:
        record = {
            "event": "command",
            "correlation_id": cid,
            "user": incoming.user,
            "surface": incoming.surface.value,
            "channel": incoming.channel,
            "command": command,
            "cluster": cluster,
            "risk": risk,
            "outcome": status,
            "ms": round((time.monotonic() - started) * 1000, 1),
        }
        log.info(json.dumps(record, ensure_ascii=False))


def _notice(text: str, level: Level) -> View:
    return View(text, (Notice(text, level),))


def _user_error_view(exc: UserError) -> View:
    blocks: list[Any] = [Notice(exc.message, Level.WARN)]
    if exc.usage:
        blocks.append(Code(exc.usage, "Usage"))
    if isinstance(exc, UnknownCommand) and not exc.suggestions:
        blocks.append(Context("No command is close to that; `/k8s help` lists them all."))
    return View(exc.message, tuple(blocks))
