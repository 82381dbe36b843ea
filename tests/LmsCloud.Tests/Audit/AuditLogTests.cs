using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LmsCloud.Core.Database;
using LmsCloud.Core.Users;
using LmsCloud.Tests.Infrastructure;
using Npgsql;

namespace LmsCloud.Tests.Audit;

/// <summary>The audit log: every access change recorded with its fields, append-only, and tamper-evident.</summary>
public sealed class AuditLogTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Every_access_change_of_a_districts_day_is_in_its_audit_log_with_its_fields()
    {
        var district = await api.Database.CreateDistrictAsync();
        var adminUser = await api.CreateUserAsync(district, Roles.DistrictAdmin);
        var admin = api.ClientFor(district.Slug, (await api.SignInAsync(adminUser)).GetProperty("access_token").GetString()!); // sign_in.succeeded
        var anonymous = api.ClientFor(district.Slug);

        var victim = await api.CreateUserAsync(district, Roles.Student);
        for (var i = 0; i < 6; i++) await SignIn(victim.Email, "wrong password!", district.Slug); // sign_in.failed x5, then sign_in.locked_out

        var created = await (await admin.PostAsJsonAsync("/api/users",
            new { email = "new.teacher@example.test", displayName = "New Teacher", roles = new[] { "Teacher" }, password = "a long enough password" }))
            .Content.ReadFromJsonAsync<JsonElement>();                                     // user.created, role.granted, password.set
        var newId = created.GetProperty("id").GetString();
        await admin.PatchAsJsonAsync($"/api/users/{newId}", new { roles = new[] { "SchoolAdmin" } }); // role.granted + role.revoked
        await admin.PatchAsJsonAsync($"/api/users/{newId}", new { locked = true });                 // user.locked
        await admin.PatchAsJsonAsync($"/api/users/{newId}", new { locked = false });                // user.unlocked
        var reset = await (await admin.PostAsync($"/api/users/{newId}/password-reset", null)).Content.ReadFromJsonAsync<JsonElement>();
        await anonymous.PostAsJsonAsync("/api/account/password-reset",
            new { token = reset.GetProperty("token").GetString(), newPassword = "another long password" }); // password.reset

        var client = await (await admin.PostAsJsonAsync("/api/integrations/clients", new { name = "SIS", scopes = new[] { "sis.import" } }))
            .Content.ReadFromJsonAsync<JsonElement>();                                       // client.created
        await api.PostTokenAsync(district.Slug, ("grant_type", "client_credentials"),
            ("client_id", client.GetProperty("clientId").GetString()!), ("client_secret", client.GetProperty("clientSecret").GetString()!)); // token.issued_to_client
        await admin.DeleteAsync($"/api/integrations/clients/{client.GetProperty("id").GetString()}"); // client.revoked

        var refresh = (await api.SignInAsync(new TestUser(Guid.Parse(newId!), "new.teacher@example.test", district.Slug), "another long password"))
            .GetProperty("refresh_token").GetString()!;
        await api.PostTokenAsync(district.Slug, ("grant_type", "refresh_token"), ("refresh_token", refresh));
        await api.PostTokenAsync(district.Slug, ("grant_type", "refresh_token"), ("refresh_token", refresh)); // refresh_token.reuse_detected
        await admin.PutAsJsonAsync("/api/district", new { displayName = "Renamed District", timeZone = "America/Denver", locale = "en-US" }); // district.settings_changed

        var officer = await api.ClientAsAsync(district, Roles.ComplianceOfficer);
        var events = (await officer.GetFromJsonAsync<JsonElement>("/api/audit/events?pageSize=500")).GetProperty("items").EnumerateArray().ToList();
        JsonElement One(string action, Func<JsonElement, bool>? where = null) =>
            Assert.Single(events, e => e.GetProperty("action").GetString() == action && (where?.Invoke(e) ?? true));

        foreach (var action in new[]
                 {
                     "sign_in.succeeded", "sign_in.failed", "sign_in.locked_out", "token.issued_to_client", "refresh_token.reuse_detected",
                     "user.created", "role.granted", "role.revoked", "user.locked", "user.unlocked", "password.set", "password.reset",
                     "client.created", "client.revoked", "district.settings_changed",
                 })
            Assert.Contains(events, e => e.GetProperty("action").GetString() == action);

        var userCreated = One("user.created", e => e.GetProperty("subjectUserId").GetString() == newId);
        Assert.Equal(("user", adminUser.Id.ToString()), (userCreated.GetProperty("actorType").GetString(), userCreated.GetProperty("actorId").GetString()));
        Assert.Equal("new.teacher@example.test", userCreated.GetProperty("after").GetProperty("email").GetString());
        Assert.False(string.IsNullOrEmpty(userCreated.GetProperty("requestId").GetString()));
        Assert.Equal(ApiFactory.ClientAddress.ToString(), userCreated.GetProperty("clientAddress").GetString());
        Assert.Equal("Teacher", One("role.revoked").GetProperty("before").GetProperty("role").GetString());
        Assert.Equal(newId, One("role.granted", e => e.GetProperty("after").GetProperty("role").GetString() == "SchoolAdmin")
            .GetProperty("subjectUserId").GetString());
        Assert.Equal(5, events.Count(e => e.GetProperty("action").GetString() == "sign_in.failed" &&
                                          e.GetProperty("subjectUserId").GetString() == victim.Id.ToString()));
        var locked = One("sign_in.locked_out", e => e.GetProperty("subjectUserId").GetString() == victim.Id.ToString() &&
                                                    e.GetProperty("reason").ValueKind == JsonValueKind.Null);
        Assert.Equal("anonymous", locked.GetProperty("actorType").GetString());
        Assert.Equal("client", One("token.issued_to_client").GetProperty("actorType").GetString());
        Assert.Equal(newId, One("password.reset").GetProperty("actorId").GetString()); // the user, with the token
        var settings = One("district.settings_changed");
        Assert.Equal("America/Chicago", settings.GetProperty("before").GetProperty("timeZone").GetString());
        Assert.Equal("America/Denver", settings.GetProperty("after").GetProperty("timeZone").GetString());

        var verified = await officer.GetFromJsonAsync<JsonElement>("/api/audit/verify");
        Assert.True(verified.GetProperty("ok").GetBoolean());
        Assert.Equal(events.Count, verified.GetProperty("checked").GetInt32());
    }

    [Fact]
    public async Task Events_filter_by_actor_subject_action_and_time_and_page()
    {
        var district = await api.Database.CreateDistrictAsync();
        var admin = await api.CreateUserAsync(district, Roles.DistrictAdmin);
        var student = await api.CreateUserAsync(district, Roles.Student);
        for (var i = 0; i < 3; i++) await SignIn(student.Email, "wrong password!", district.Slug);
        var started = DateTimeOffset.UtcNow;
        var reader = api.ClientFor(district.Slug, (await api.SignInAsync(admin)).GetProperty("access_token").GetString()!);

        var failed = await reader.GetFromJsonAsync<JsonElement>($"/api/audit/events?action=sign_in.failed&subject={student.Id}&pageSize=2");
        Assert.Equal(3, failed.GetProperty("total").GetInt32());
        Assert.Equal(2, failed.GetProperty("items").GetArrayLength());
        var byActor = await reader.GetFromJsonAsync<JsonElement>($"/api/audit/events?actor={admin.Id}");
        Assert.Equal(["sign_in.succeeded"], byActor.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("action").GetString()));
        var since = await reader.GetFromJsonAsync<JsonElement>($"/api/audit/events?from={Uri.EscapeDataString(started.AddSeconds(-1).ToString("O"))}&action=sign_in.succeeded");
        Assert.Equal(1, since.GetProperty("total").GetInt32());
        var before = await reader.GetFromJsonAsync<JsonElement>($"/api/audit/events?to={Uri.EscapeDataString(started.AddHours(-1).ToString("O"))}");
        Assert.Equal(0, before.GetProperty("total").GetInt32());
        Assert.Equal(HttpStatusCode.Forbidden, (await (await api.ClientAsAsync(district, Roles.Teacher)).GetAsync("/api/audit/events")).StatusCode);
    }

    [Fact]
    public async Task The_application_role_cannot_update_delete_or_truncate_audit_rows_and_the_owner_is_stopped_by_triggers()
    {
        var district = await api.Database.CreateDistrictAsync();
        await SignIn("nobody@example.test", "whatever-it-is", district.Slug);
        await using var app = await api.Database.OpenAsTenantAsync(district.Id);

        foreach (var sql in new[] { "update audit_events set action = 'x'", "delete from audit_events", "truncate audit_events" })
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, (await Assert.ThrowsAsync<PostgresException>(() => Exec(app, sql))).SqlState);

        await using var owner = await OpenOwnerAsTenantAsync(district.Id);
        foreach (var sql in new[] { "update audit_events set action = 'x'", "delete from audit_events", "truncate audit_events" })
            Assert.Contains("append-only", (await Assert.ThrowsAsync<PostgresException>(() => Exec(owner, sql))).MessageText);
        Assert.Equal(1L, await TestDatabase.ScalarAsync<long>(app, "select count(*) from audit_events"));
    }

    [Fact]
    public async Task Editing_one_row_as_the_owner_makes_verify_report_exactly_that_sequence()
    {
        var district = await api.Database.CreateDistrictAsync();
        var officer = await api.ClientAsAsync(district, Roles.ComplianceOfficer); // one event
        for (var i = 0; i < 5; i++) await SignIn($"nobody{i}@example.test", "whatever-it-is", district.Slug); // five more
        Assert.True((await officer.GetFromJsonAsync<JsonElement>("/api/audit/verify")).GetProperty("ok").GetBoolean());

        await using (var owner = await OpenOwnerAsTenantAsync(district.Id))
            await Exec(owner, """
                alter table audit_events disable trigger audit_events_append_only;
                update audit_events set reason = 'nothing to see here' where seq = 4;
                alter table audit_events enable trigger audit_events_append_only;
                """);

        var verified = await officer.GetFromJsonAsync<JsonElement>("/api/audit/verify");
        Assert.False(verified.GetProperty("ok").GetBoolean());
        Assert.Equal(4, verified.GetProperty("firstBrokenSeq").GetInt64());
        Assert.Equal(3, verified.GetProperty("checked").GetInt64());
    }

    [Fact]
    public async Task Concurrent_writers_keep_one_unbroken_chain()
    {
        var district = await api.Database.CreateDistrictAsync();
        await Task.WhenAll(Enumerable.Range(0, 12).Select(i => SignIn($"racer{i}@example.test", "whatever-it-is", district.Slug)));

        var officer = await api.ClientAsAsync(district, Roles.ComplianceOfficer);
        var verified = await officer.GetFromJsonAsync<JsonElement>("/api/audit/verify");
        Assert.True(verified.GetProperty("ok").GetBoolean());
        Assert.Equal(12 + 4, verified.GetProperty("checked").GetInt64()); // + the officer's user.created, role.granted, password.set, sign-in
    }

    [Fact]
    public async Task An_anonymous_caller_cannot_grow_the_append_only_log_by_more_than_a_capped_string()
    {
        var district = await api.Database.CreateDistrictAsync();
        // A 4 MB user name is refused before any lookup, so nothing is audited.
        var huge = await SignIn(new string('x', 4 << 20), "whatever password", district.Slug);
        Assert.Equal(HttpStatusCode.BadRequest, huge.StatusCode);
        Assert.Equal("invalid_request", (await huge.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        var tooLong = await SignIn(new string('x', PasswordSignIn.MaxUserNameLength + 1), "whatever password", district.Slug);
        Assert.Contains("longer than 256", (await tooLong.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error_description").GetString());
        // One just under the refusal is audited, with every string capped.
        var name = new string('y', PasswordSignIn.MaxUserNameLength);
        Assert.Equal(HttpStatusCode.BadRequest, (await SignIn(name, "whatever password", district.Slug)).StatusCode);

        var officer = await api.ClientAsAsync(district, Roles.ComplianceOfficer);
        var events = (await officer.GetFromJsonAsync<JsonElement>("/api/audit/events?action=sign_in.failed")).GetProperty("items").EnumerateArray().ToList();
        var failed = Assert.Single(events);
        Assert.Equal(name, failed.GetProperty("after").GetProperty("userName").GetString()); // 256 characters: kept whole

        await using var db = api.Database.CreateContext(district.Id);
        await using var tx = await db.Database.BeginTransactionAsync();
        await new LmsCloud.Core.Audit.AuditLog(db, new LmsCloud.Core.Audit.AuditContext(), TimeProvider.System).WriteAsync(
            new LmsCloud.Core.Audit.AuditEntry("test.capped", Reason: new string('r', 10_000), After: new { list = Enumerable.Repeat(new string('z', 1000), 3) }));
        await tx.CommitAsync();
        var capped = Assert.Single((await officer.GetFromJsonAsync<JsonElement>("/api/audit/events?action=test.capped")).GetProperty("items").EnumerateArray());
        Assert.StartsWith(new string('r', LmsCloud.Core.Audit.AuditLog.MaxStringLength) + "… (10000 characters)", capped.GetProperty("reason").GetString());
        Assert.All(capped.GetProperty("after").GetProperty("list").EnumerateArray(),
            v => Assert.Equal(new string('z', LmsCloud.Core.Audit.AuditLog.MaxStringLength) + "… (1000 characters)", v.GetString()));
        Assert.True((await officer.GetFromJsonAsync<JsonElement>("/api/audit/verify")).GetProperty("ok").GetBoolean());
    }

    Task<HttpResponseMessage> SignIn(string email, string password, string slug) =>
        api.PostTokenAsync(slug, ("grant_type", "password"), ("username", email), ("password", password));

    async Task<NpgsqlConnection> OpenOwnerAsTenantAsync(Guid tenantId)
    {
        var conn = new NpgsqlConnection(api.Database.ConnectionStrings.Owner);
        await conn.OpenAsync();
        await TenantSession.SetAsync(conn, tenantId);
        return conn;
    }

    static async Task Exec(NpgsqlConnection conn, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }
}
