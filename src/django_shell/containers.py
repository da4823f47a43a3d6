"""The composition root: the only place where adapters are chosen and use-cases assembled."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from dependency_injector import containers, providers

from adapters.circuit_breaker import CircuitBreaker
from adapters.clock import SystemClock
from adapters.cognito.client import build_cognito_client
from adapters.cognito.identity_provider import CognitoIdentityProvider
from adapters.cognito.user_pool_administration import CognitoUserPoolAdministration
from adapters.embedded_pool.code_sender import LoggingCodeSender
from adapters.embedded_pool.identity_provider import EmbeddedIdentityProvider
from adapters.embedded_pool.passkeys import RelyingParty
from adapters.embedded_pool.user_pool_administration import EmbeddedUserPoolAdministration
from adapters.jwt.caching_verifier import CachingTokenVerifier
from adapters.jwt.http_jwks import HttpJwks
from adapters.jwt.verifier import JwksTokenVerifier
from adapters.limits.attempt_limiter import LimitsAttemptLimiter
from adapters.local_files.profile_image_store import LocalFileProfileImageStore
from adapters.memory.revocation_list import InMemoryRevocationList
from adapters.redis.ping import RedisPing
from adapters.redis.revocation_list import RedisRevocationList
from adapters.s3.client import build_s3_client
from adapters.s3.profile_image_store import S3ProfileImageStore
from adapters.sqlite.revocation_list import SqliteRevocationList
from application.use_cases.account import ChangePassword, DeleteAccount
from application.use_cases.administration import (
    AddUserToGroup,
    CreateGroup,
    CreateUser,
    DeleteUser,
    DisableUser,
    EnableUser,
    GetUser,
    ListGroups,
    ListUsers,
    RemoveUserFromGroup,
    ResetUserPassword,
    SetAdministrator,
)
from application.use_cases.authenticate import AuthenticateRequest, SingleFlightRefresh
from application.use_cases.mfa import AssociateSoftwareToken, SetMfaPreference, VerifySoftwareToken
from application.use_cases.passkeys import (
    CompletePasskeyRegistration,
    DeletePasskey,
    ListPasskeys,
    StartPasskeyRegistration,
)
from application.use_cases.password_reset import ConfirmForgotPassword, ForgotPassword
from application.use_cases.profile import ResendAttributeCode, UpdateProfile, VerifyAttribute
from application.use_cases.profile_image import DeleteProfileImage, ProfileImageUrl, UploadProfileImage
from application.use_cases.readiness import CheckReadiness
from application.use_cases.sign_in import (
    Login,
    RefreshTokens,
    RespondToChallenge,
    SignInWithSession,
    StartSignIn,
)
from application.use_cases.sign_out import Logout
from application.use_cases.sign_up import ConfirmSignUp, ResendConfirmationCode, SignUp
from django_shell.accounts.images import signed_image_url
from django_shell.accounts.users import DjangoUserDirectory, MirroredUsers
from django_shell.health import check_database
from django_shell.shared_cache import DjangoSharedCache


class Container(containers.DeclarativeContainer):
    config = providers.Configuration(strict=True)

    clock = providers.Singleton(SystemClock)

    embedded_identity_provider = providers.Singleton(
        EmbeddedIdentityProvider,
        pool_id=config.user_pool_id,
        client_id=config.app_client_id,
        region=config.aws_region,
        code_sender=providers.Singleton(LoggingCodeSender),
        clock=clock,
        database=config.embedded.pool_file,
        access_token_lifetime=config.embedded.access_token_seconds,
        relying_party=providers.Singleton(
            RelyingParty,
            id=config.embedded.webauthn.relying_party_id,
            name=config.embedded.webauthn.relying_party_name,
            origins=config.embedded.webauthn.origins,
        ),
    )
    cognito_client = providers.Singleton(
        build_cognito_client,
        region=config.aws_region,
        endpoint_url=config.cognito.endpoint_url,
        access_key_id=config.cognito.access_key_id,
        secret_access_key=config.cognito.secret_access_key,
        connect_timeout=config.cognito.connect_timeout,
        read_timeout=config.cognito.read_timeout,
        max_attempts=config.cognito.max_attempts,
    )
    identity_provider = providers.Selector(
        config.identity_provider,
        embedded=embedded_identity_provider,
        cognito=providers.Singleton(
            CognitoIdentityProvider,
            cognito_client,
            client_id=config.app_client_id,
            client_secret=config.cognito.app_client_secret,
        ),
    )
    # One breaker for everything on the shared Redis: a timeout seen by the cache spares the
    # revocation list's writes the same wait, and the other way round.
    redis_breaker = providers.Singleton(CircuitBreaker, "Redis", clock=clock, cooldown=config.redis_cooldown_seconds)
    shared_cache = providers.Singleton(DjangoSharedCache, breaker=redis_breaker)
    jwks = providers.Selector(
        config.identity_provider,
        embedded=embedded_identity_provider.provided.jwks,
        cognito=providers.Singleton(HttpJwks, url=config.cognito.jwks_url, timeout=config.cognito.connect_timeout),
    )
    # Every authenticated request verifies its access token: the cache makes all but the first a lookup.
    token_verifier = providers.Singleton(
        CachingTokenVerifier,
        providers.Singleton(
            JwksTokenVerifier,
            issuer=config.issuer,
            client_id=config.app_client_id,
            jwks=jwks,
            clock=clock,
            leeway=config.token_leeway_seconds,
            shared_cache=shared_cache,
        ),
        clock=clock,
        leeway=config.token_leeway_seconds,
    )
    # Without Redis: beside the embedded pool in its file when it has one (processes on the file share
    # it, restarts keep it), else in the one process there is to tell.
    revocation_list = providers.Selector(
        config.shared_state,
        memory=providers.Singleton(InMemoryRevocationList, clock=clock),
        redis=providers.Singleton(
            RedisRevocationList.from_url,
            config.redis_url,
            clock=clock,
            breaker=redis_breaker,
            socket_timeout=config.redis_timeout_seconds,
        ),
        sqlite=providers.Singleton(SqliteRevocationList, config.embedded.pool_file, clock=clock),
    )
    # Counted in Redis when the service has it, so that every process spends one budget.
    attempt_limiter = providers.Singleton(
        LimitsAttemptLimiter.from_url,
        config.redis_url,
        budgets=config.limits.budgets,
        breaker=redis_breaker,
        socket_timeout=config.redis_timeout_seconds,
    )
    mirrored_users = providers.Singleton(MirroredUsers, clock=clock, ttl=config.user_cache_seconds)
    user_directory = providers.Singleton(DjangoUserDirectory, clock=clock, mirrored_users=mirrored_users)

    sign_up = providers.Factory(SignUp, identity_provider=identity_provider, attempt_limiter=attempt_limiter)
    confirm_sign_up = providers.Factory(
        ConfirmSignUp, identity_provider=identity_provider, attempt_limiter=attempt_limiter
    )
    resend_confirmation_code = providers.Factory(
        ResendConfirmationCode,
        identity_provider=identity_provider,
        attempt_limiter=attempt_limiter,
        clock=clock,
        minimum_seconds=config.limits.code_delivery_seconds,
    )
    login = providers.Factory(
        Login,
        identity_provider=identity_provider,
        token_verifier=token_verifier,
        user_directory=user_directory,
        attempt_limiter=attempt_limiter,
    )
    respond_to_challenge = providers.Factory(
        RespondToChallenge,
        identity_provider=identity_provider,
        token_verifier=token_verifier,
        user_directory=user_directory,
        attempt_limiter=attempt_limiter,
        clock=clock,
        minimum_seconds=config.limits.code_delivery_seconds,
    )
    start_sign_in = providers.Factory(
        StartSignIn,
        identity_provider=identity_provider,
        token_verifier=token_verifier,
        user_directory=user_directory,
        attempt_limiter=attempt_limiter,
        clock=clock,
        minimum_seconds=config.limits.code_delivery_seconds,
    )
    sign_in_with_session = providers.Factory(
        SignInWithSession,
        identity_provider=identity_provider,
        token_verifier=token_verifier,
        user_directory=user_directory,
        attempt_limiter=attempt_limiter,
    )
    refresh_tokens = providers.Factory(
        RefreshTokens, identity_provider=identity_provider, token_verifier=token_verifier
    )
    logout = providers.Factory(
        Logout,
        identity_provider=identity_provider,
        token_verifier=token_verifier,
        revocation_list=revocation_list,
        clock=clock,
    )
    # Every authenticated request runs it, and building it costs as much as running it on a known
    # token: built once, like its collaborators. Whoever overrides one of them (tests do) resets it.
    authenticate_request = providers.Singleton(
        AuthenticateRequest,
        token_verifier=token_verifier,
        revocation_list=revocation_list,
        refresh=providers.Factory(
            SingleFlightRefresh, identity_provider=identity_provider, shared_cache=shared_cache, clock=clock
        ),
    )
    forgot_password = providers.Factory(
        ForgotPassword,
        identity_provider=identity_provider,
        attempt_limiter=attempt_limiter,
        clock=clock,
        minimum_seconds=config.limits.code_delivery_seconds,
    )
    confirm_forgot_password = providers.Factory(
        ConfirmForgotPassword, identity_provider=identity_provider, attempt_limiter=attempt_limiter
    )

    profile_image_store = providers.Selector(
        config.profile_images.store,
        s3=providers.Singleton(
            S3ProfileImageStore,
            providers.Singleton(
                build_s3_client,
                region=config.aws_region,
                endpoint_url=config.profile_images.s3.endpoint_url,
                access_key_id=config.profile_images.s3.access_key_id,
                secret_access_key=config.profile_images.s3.secret_access_key,
            ),
            bucket=config.profile_images.s3.bucket,
        ),
        local=providers.Singleton(
            LocalFileProfileImageStore, root=config.profile_images.local.directory, signed_url=signed_image_url
        ),
    )
    upload_profile_image = providers.Factory(
        UploadProfileImage,
        store=profile_image_store,
        user_directory=user_directory,
        url_seconds=config.profile_images.url_seconds,
    )
    delete_profile_image = providers.Factory(
        DeleteProfileImage, store=profile_image_store, user_directory=user_directory
    )
    profile_image_url = providers.Factory(
        ProfileImageUrl, store=profile_image_store, url_seconds=config.profile_images.url_seconds
    )

    change_password = providers.Factory(
        ChangePassword,
        identity_provider=identity_provider,
        token_verifier=token_verifier,
        attempt_limiter=attempt_limiter,
    )
    delete_account = providers.Factory(
        DeleteAccount,
        identity_provider=identity_provider,
        token_verifier=token_verifier,
        revocation_list=revocation_list,
        user_directory=user_directory,
        profile_images=profile_image_store,
        clock=clock,
    )
    update_profile = providers.Factory(
        UpdateProfile,
        identity_provider=identity_provider,
        token_verifier=token_verifier,
        user_directory=user_directory,
        attempt_limiter=attempt_limiter,
    )
    resend_attribute_code = providers.Factory(
        ResendAttributeCode,
        identity_provider=identity_provider,
        token_verifier=token_verifier,
        attempt_limiter=attempt_limiter,
    )
    verify_attribute = providers.Factory(
        VerifyAttribute,
        identity_provider=identity_provider,
        user_directory=user_directory,
        token_verifier=token_verifier,
        attempt_limiter=attempt_limiter,
    )
    user_pool_administration = providers.Selector(
        config.identity_provider,
        embedded=providers.Singleton(EmbeddedUserPoolAdministration, embedded_identity_provider),
        cognito=providers.Singleton(CognitoUserPoolAdministration, cognito_client, user_pool_id=config.user_pool_id),
    )
    create_user = providers.Factory(CreateUser, administration=user_pool_administration)
    get_user = providers.Factory(GetUser, administration=user_pool_administration)
    disable_user = providers.Factory(
        DisableUser,
        administration=user_pool_administration,
        user_directory=user_directory,
        revocation_list=revocation_list,
        clock=clock,
    )
    enable_user = providers.Factory(
        EnableUser, administration=user_pool_administration, user_directory=user_directory, clock=clock
    )
    delete_user = providers.Factory(
        DeleteUser,
        administration=user_pool_administration,
        user_directory=user_directory,
        profile_images=profile_image_store,
        revocation_list=revocation_list,
        clock=clock,
    )
    list_users = providers.Factory(ListUsers, administration=user_pool_administration)
    reset_user_password = providers.Factory(ResetUserPassword, administration=user_pool_administration)
    create_group = providers.Factory(CreateGroup, administration=user_pool_administration)
    list_groups = providers.Factory(ListGroups, administration=user_pool_administration)
    add_user_to_group = providers.Factory(
        AddUserToGroup, administration=user_pool_administration, user_directory=user_directory
    )
    remove_user_from_group = providers.Factory(
        RemoveUserFromGroup,
        administration=user_pool_administration,
        user_directory=user_directory,
        revocation_list=revocation_list,
        clock=clock,
    )
    set_administrator = providers.Factory(
        SetAdministrator, administration=user_pool_administration, user_directory=user_directory
    )
    associate_software_token = providers.Factory(
        AssociateSoftwareToken,
        identity_provider=identity_provider,
        token_verifier=token_verifier,
        attempt_limiter=attempt_limiter,
    )
    verify_software_token = providers.Factory(
        VerifySoftwareToken,
        identity_provider=identity_provider,
        token_verifier=token_verifier,
        attempt_limiter=attempt_limiter,
    )
    set_mfa_preference = providers.Factory(
        SetMfaPreference,
        identity_provider=identity_provider,
        token_verifier=token_verifier,
        attempt_limiter=attempt_limiter,
    )
    start_passkey_registration = providers.Factory(
        StartPasskeyRegistration,
        identity_provider=identity_provider,
        token_verifier=token_verifier,
        attempt_limiter=attempt_limiter,
    )
    complete_passkey_registration = providers.Factory(
        CompletePasskeyRegistration,
        identity_provider=identity_provider,
        token_verifier=token_verifier,
        attempt_limiter=attempt_limiter,
    )
    list_passkeys = providers.Factory(ListPasskeys, identity_provider=identity_provider)
    delete_passkey = providers.Factory(DeletePasskey, identity_provider=identity_provider)

    # /readyz: each dependency that requests need, reached once per call. The threads are shared by
    # every call, so a dependency that hangs holds a few of them, never one more per probe.
    local_readiness_checks = providers.Dict(database=providers.Object(check_database), jwks=jwks)
    readiness_checks = providers.Selector(
        config.shared_state,
        memory=local_readiness_checks,
        # The revocation list in the pool's file: the pool itself, which the JWKS check reads.
        sqlite=local_readiness_checks,
        redis=providers.Dict(
            database=providers.Object(check_database),
            cache=providers.Singleton(RedisPing.from_url, config.redis_url),
            jwks=jwks,
        ),
    )
    check_readiness = providers.Factory(
        CheckReadiness,
        checks=readiness_checks,
        executor=providers.Singleton(ThreadPoolExecutor, max_workers=8, thread_name_prefix="readiness"),
        # Under the 2 s that the endpoint promises, leaving room for the rest of the request.
        deadline=1.5,
    )
