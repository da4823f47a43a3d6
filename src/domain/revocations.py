"""What revoked sign-ins and users refuse: the rule every revocation list applies, in one place."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import attrs

from domain.values import Claims


@attrs.frozen
class Revocations:
    """Live revocations: sign-ins (sign-in id -> until) and users (sub -> (issued_before, until)).

    Immutable: a list swaps in a `merged` copy whole, so that readers need no lock.
    """

    sign_ins: Mapping[str, float] = attrs.field(factory=dict)
    users: Mapping[str, tuple[float, float]] = attrs.field(factory=dict)

    def refuses(self, claims: Claims, now: float) -> bool:
        """Whether a token with `claims` is refused at epoch time `now`: its sign-in is revoked, or
        its user is and the token was issued before the user's revocation took hold."""
        until = self.sign_ins.get(claims.sign_in_id)
        if until is not None and until > now:
            return True
        user = self.users.get(claims.sub)
        return user is not None and claims.issued_at < user[0] and user[1] > now

    def merged(
        self,
        now: float,
        sign_ins: Iterable[tuple[str, float]] = (),
        users: Iterable[tuple[str, tuple[float, float]]] = (),
    ) -> Revocations:
        """These revocations plus (sign-in id, until) and (sub, (issued_before, until)) entries, less
        what has expired by `now`; an entry for a key already held widens it (the later `until`, the
        later `issued_before`), so a revocation is never shortened."""
        merged_sign_ins = {sign_in_id: until for sign_in_id, until in self.sign_ins.items() if until > now}
        for sign_in_id, until in sign_ins:
            if until > now:
                merged_sign_ins[sign_in_id] = max(until, merged_sign_ins.get(sign_in_id, until))
        merged_users = {sub: entry for sub, entry in self.users.items() if entry[1] > now}
        for sub, (issued_before, until) in users:
            if until > now:
                known_before, known_until = merged_users.get(sub, (issued_before, until))
                merged_users[sub] = (max(issued_before, known_before), max(until, known_until))
        return Revocations(merged_sign_ins, merged_users)
