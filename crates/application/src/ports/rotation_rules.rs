//! The rules of refresh-token rotation, apart from any storage.
//!
//! Every storage adapter runs a rotation the same way, inside one transaction: lock the
//! presented token with its session (so that concurrent rotations of one token queue),
//! load the user's account, ask [`RotationDecision::decide`] what to do, perform the one
//! write the decision names, and answer with [`RotationDecision::into_outcome`]. Only the
//! locking and the writes differ between databases; the rules live here, once.

use chrono::{DateTime, TimeDelta, Utc};
use latchkey_domain::{
    Principal, REFRESH_TOKEN_BYTES, SealedRefreshToken, SessionId, TenantId, UserId,
};

use super::{RotationOutcome, StoreError, TokenRotation, UserAccount};

/// The session a presented token belongs to, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredSession {
    pub id: SessionId,
    pub user_id: UserId,
    /// The tenant the session acts in.
    pub tenant_id: TenantId,
    pub absolute_expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl StoredSession {
    /// Neither revoked nor past its absolute lifetime.
    pub fn is_live_at(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.absolute_expires_at.is_none_or(|end| now < end)
    }
}

/// A token that has been rotated: when, and the successor it was given then.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Consumption {
    pub consumed_at: DateTime<Utc>,
    pub sealed_successor: SealedRefreshToken,
}

/// The presented refresh token as the store found (and locked) it, with its session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PresentedToken {
    pub expires_at: DateTime<Utc>,
    /// `None` while the token is live.
    pub consumption: Option<Consumption>,
    pub session: StoredSession,
}

impl PresentedToken {
    /// Builds the token from its stored columns, where `consumed_at` and the sealed
    /// successor are set together or not at all.
    pub fn from_columns(
        expires_at: DateTime<Utc>,
        consumed_at: Option<DateTime<Utc>>,
        sealed_successor: Option<&[u8]>,
        session: StoredSession,
    ) -> Result<Self, StoreError> {
        let consumption = match (consumed_at, sealed_successor) {
            (None, None) => None,
            (Some(consumed_at), Some(sealed)) => {
                let bytes: [u8; REFRESH_TOKEN_BYTES] = sealed.try_into().map_err(|_| {
                    StoreError::Unexpected("stored sealed successor has the wrong length".into())
                })?;
                Some(Consumption {
                    consumed_at,
                    sealed_successor: SealedRefreshToken(bytes),
                })
            }
            _ => {
                return Err(StoreError::Unexpected(
                    "stored token is consumed without a successor, or the reverse".into(),
                ));
            }
        };
        Ok(Self {
            expires_at,
            consumption,
            session,
        })
    }
}

/// What a store must do with a presented token.
#[derive(Debug)]
pub enum RotationDecision {
    /// Write nothing and answer with this outcome (`Invalid`, `NotAMember` or
    /// `AlreadyRotated`).
    Answer(RotationOutcome),
    /// A rotated-out token came back after the grace window: revoke the session, commit
    /// that revocation, and answer `Reused`.
    RevokeForReuse { session_id: SessionId },
    /// Consume the presented token, store the successor and, when `moves_session`, set the
    /// session's tenant to `principal.active_tenant`; answer `Rotated`.
    Consume {
        principal: Principal,
        moves_session: bool,
    },
}

impl RotationDecision {
    /// Applies the rotation rules, in this order: an expired token or a dead session is
    /// invalid; a token consumed before the grace window is reuse (whatever else holds);
    /// a requested tenant must be one of the user's; a token consumed inside the grace
    /// window repeats its successor; a live token is consumed.
    ///
    /// `account` is the session's user, `None` when the user is gone.
    pub fn decide(
        presented: &PresentedToken,
        account: Option<UserAccount>,
        rotation: &TokenRotation,
    ) -> Self {
        let session = &presented.session;
        if presented.expires_at <= rotation.now || !session.is_live_at(rotation.now) {
            return Self::Answer(RotationOutcome::Invalid);
        }
        if let Some(consumption) = &presented.consumption
            && is_past_grace(consumption.consumed_at, rotation)
        {
            return Self::RevokeForReuse {
                session_id: session.id,
            };
        }

        let Some(account) = account else {
            return Self::Answer(RotationOutcome::Invalid);
        };
        let active_tenant = rotation.requested_tenant.unwrap_or(session.tenant_id);
        if !account.is_member_of(active_tenant) {
            return Self::Answer(RotationOutcome::NotAMember);
        }
        let principal = account.into_principal(session.id, active_tenant);

        match presented.consumption {
            Some(consumption) => Self::Answer(RotationOutcome::AlreadyRotated {
                principal,
                sealed_successor: consumption.sealed_successor,
            }),
            None => Self::Consume {
                principal,
                moves_session: active_tenant != session.tenant_id,
            },
        }
    }

    /// The outcome to answer with, once the write the decision names is done.
    pub fn into_outcome(self) -> RotationOutcome {
        match self {
            Self::Answer(outcome) => outcome,
            Self::RevokeForReuse { session_id } => RotationOutcome::Reused { session_id },
            Self::Consume { principal, .. } => RotationOutcome::Rotated(principal),
        }
    }
}

fn is_past_grace(consumed_at: DateTime<Utc>, rotation: &TokenRotation) -> bool {
    let grace = TimeDelta::from_std(rotation.grace).unwrap_or(TimeDelta::MAX);
    rotation.now.signed_duration_since(consumed_at) > grace
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use latchkey_domain::{Membership, Metadata, RefreshTokenHash, User};

    use super::*;
    use crate::ports::NewRefreshToken;

    const GRACE: Duration = Duration::from_secs(10);

    struct Case {
        token: PresentedToken,
        account: Option<UserAccount>,
        rotation: TokenRotation,
    }

    impl Case {
        /// A live token of a live session, presented at `now` by a member of one tenant.
        fn live() -> Self {
            let now = DateTime::UNIX_EPOCH + TimeDelta::days(20_000);
            let home = TenantId::generate();
            let session = StoredSession {
                id: SessionId::generate(),
                user_id: UserId::generate(),
                tenant_id: home,
                absolute_expires_at: None,
                revoked_at: None,
            };
            let token = PresentedToken {
                expires_at: now + TimeDelta::days(1),
                consumption: None,
                session,
            };
            let account = UserAccount {
                user: user(session.user_id),
                memberships: vec![membership(home), membership(TenantId::generate())],
            };
            let rotation = TokenRotation {
                presented: RefreshTokenHash([1; 32]),
                successor: NewRefreshToken {
                    hash: RefreshTokenHash([2; 32]),
                    expires_at: now + TimeDelta::days(30),
                },
                sealed_successor: SealedRefreshToken([3; 32]),
                requested_tenant: None,
                now,
                grace: GRACE,
            };
            Self {
                token,
                account: Some(account),
                rotation,
            }
        }

        fn consumed_ago(mut self, ago: TimeDelta) -> Self {
            self.token.consumption = Some(Consumption {
                consumed_at: self.rotation.now - ago,
                sealed_successor: SealedRefreshToken([9; 32]),
            });
            self
        }

        fn decide(self) -> RotationDecision {
            RotationDecision::decide(&self.token, self.account, &self.rotation)
        }
    }

    fn user(id: UserId) -> User {
        User {
            id,
            email: None,
            username: None,
            name: None,
            phone_number: None,
            profile_picture_url: None,
            metadata: Metadata::default(),
            email_verified: false,
        }
    }

    fn membership(tenant_id: TenantId) -> Membership {
        Membership {
            tenant_id,
            tenant_name: "Acme".to_owned(),
            roles: vec!["Admin".to_owned()],
        }
    }

    fn is_invalid(decision: &RotationDecision) -> bool {
        matches!(decision, RotationDecision::Answer(RotationOutcome::Invalid))
    }

    #[test]
    fn a_live_token_is_consumed_in_the_sessions_tenant() {
        let case = Case::live();
        let (session_id, home) = (case.token.session.id, case.token.session.tenant_id);
        match case.decide() {
            RotationDecision::Consume {
                principal,
                moves_session,
            } => {
                assert_eq!(principal.session_id, session_id);
                assert_eq!(principal.active_tenant, home);
                assert!(!moves_session);
            }
            other => panic!("got {other:?}"),
        }
    }

    #[test]
    fn a_requested_tenant_of_the_user_moves_the_session() {
        let mut case = Case::live();
        let second = case
            .account
            .as_ref()
            .and_then(|account| account.memberships.get(1))
            .map(|m| m.tenant_id);
        case.rotation.requested_tenant = second;
        match case.decide() {
            RotationDecision::Consume {
                principal,
                moves_session,
            } => {
                assert_eq!(Some(principal.active_tenant), second);
                assert!(moves_session);
            }
            other => panic!("got {other:?}"),
        }
    }

    #[test]
    fn expired_ended_revoked_and_userless_tokens_are_invalid() {
        type Arrange = fn(&mut Case);
        let cases: [(&str, Arrange); 5] = [
            ("a token at its expiry", |case| {
                case.token.expires_at = case.rotation.now;
            }),
            ("a session past its absolute lifetime", |case| {
                case.token.session.absolute_expires_at = Some(case.rotation.now);
            }),
            ("a revoked session", |case| {
                case.token.session.revoked_at = Some(case.rotation.now);
            }),
            ("a user who is gone", |case| case.account = None),
            ("a reused token of a revoked session", |case| {
                case.token.session.revoked_at = Some(case.rotation.now);
                case.token.consumption = Some(Consumption {
                    consumed_at: case.rotation.now - TimeDelta::hours(1),
                    sealed_successor: SealedRefreshToken([9; 32]),
                });
            }),
        ];
        for (description, arrange) in cases {
            let mut case = Case::live();
            arrange(&mut case);
            let decision = case.decide();
            assert!(is_invalid(&decision), "{description}: got {decision:?}");
        }
    }

    #[test]
    fn a_repeat_inside_the_grace_window_gets_the_stored_successor() {
        let case = Case::live().consumed_ago(TimeDelta::seconds(10));
        match case.decide() {
            RotationDecision::Answer(RotationOutcome::AlreadyRotated {
                sealed_successor, ..
            }) => assert_eq!(sealed_successor, SealedRefreshToken([9; 32])),
            other => panic!("got {other:?}"),
        }
    }

    #[test]
    fn a_repeat_after_the_grace_window_revokes_the_session() {
        let mut case = Case::live().consumed_ago(TimeDelta::milliseconds(10_001));
        case.rotation.requested_tenant = Some(TenantId::generate());
        let session_id = case.token.session.id;
        match case.decide() {
            RotationDecision::RevokeForReuse {
                session_id: revoked,
            } => {
                assert_eq!(revoked, session_id, "reuse wins over a foreign tenant");
            }
            other => panic!("got {other:?}"),
        }
    }

    #[test]
    fn a_foreign_tenant_is_refused_for_live_and_repeated_tokens() {
        for case in [
            Case::live(),
            Case::live().consumed_ago(TimeDelta::seconds(1)),
        ] {
            let mut case = case;
            case.rotation.requested_tenant = Some(TenantId::generate());
            let decision = case.decide();
            assert!(
                matches!(
                    decision,
                    RotationDecision::Answer(RotationOutcome::NotAMember)
                ),
                "got {decision:?}"
            );
        }
    }

    #[test]
    fn each_decision_answers_with_its_outcome() {
        let session_id = SessionId::generate();
        let reused = RotationDecision::RevokeForReuse { session_id }.into_outcome();
        assert!(matches!(
            reused,
            RotationOutcome::Reused { session_id: id } if id == session_id
        ));
        let consumed = Case::live().decide().into_outcome();
        assert!(
            matches!(consumed, RotationOutcome::Rotated(_)),
            "{consumed:?}"
        );
    }

    #[test]
    fn stored_columns_must_agree_on_consumption() {
        let Case { token, .. } = Case::live();
        let (at, session) = (token.expires_at, token.session);
        let sealed = [4; 32];
        let consumed = PresentedToken::from_columns(at, Some(at), Some(&sealed), session);
        assert!(matches!(
            consumed,
            Ok(PresentedToken { consumption: Some(c), .. }) if c.sealed_successor.0 == sealed
        ));
        let broken = [
            PresentedToken::from_columns(at, Some(at), None, session),
            PresentedToken::from_columns(at, None, Some(&sealed), session),
            PresentedToken::from_columns(at, Some(at), Some(&sealed[..31]), session),
        ];
        for stored in broken {
            assert!(
                matches!(stored, Err(StoreError::Unexpected(_))),
                "{stored:?}"
            );
        }
    }
}
