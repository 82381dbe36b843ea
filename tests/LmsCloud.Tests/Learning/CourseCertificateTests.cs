using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LmsCloud.Core.Users;
using LmsCloud.Tests.Infrastructure;
using Npgsql;

namespace LmsCloud.Tests.Learning;

/// <summary>Course completion certificates over the API: issue on completion, settings, revoke, and public verification.</summary>
public sealed class CourseCertificateTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Completing_a_shell_that_issues_certificates_issues_one_exactly_once_under_the_current_template_version()
    {
        var district = await ShellTestDistrict.CreateAsync(api);
        var shell = await district.ShellOfAsync("nw-cls-alg1-p1");
        var teacher = await district.AsAsync("nw-t-001", Roles.Teacher);
        var student = await district.AsAsync("nw-s-001", Roles.Student);
        var (_, lesson) = await ShellTestDistrict.PublishedLessonAsync(teacher, shell); // must_view

        var settings = await teacher.PutAsJsonAsync($"/api/shells/{shell}/certificate-settings", new { issues = true, title = "Algebra I", wording = "v1" });
        Assert.Equal(HttpStatusCode.OK, settings.StatusCode);
        settings = await teacher.PutAsJsonAsync($"/api/shells/{shell}/certificate-settings", new { issues = true, title = "Algebra I", wording = "v2" });
        Assert.Equal(2, (await settings.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("templateVersion").GetInt32());

        var views = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => student.PostAsync($"/api/shells/{shell}/items/{lesson}/view", null)));
        Assert.All(views, v => Assert.Equal(HttpStatusCode.OK, v.StatusCode));

        var mine = await student.GetFromJsonAsync<JsonElement>("/api/certificates/mine");
        var certificate = Assert.Single(mine.EnumerateArray());
        Assert.Equal(2, certificate.GetProperty("templateVersion").GetInt32());
        Assert.Equal(shell, certificate.GetProperty("shellId").GetGuid());

        // A student cannot manage certificates; the teacher sees the list.
        Assert.Equal(HttpStatusCode.Forbidden, (await student.PutAsJsonAsync($"/api/shells/{shell}/certificate-settings", new { issues = false })).StatusCode);
        Assert.Single((await teacher.GetFromJsonAsync<JsonElement>($"/api/shells/{shell}/certificates")).EnumerateArray());
    }

    [Fact]
    public async Task A_shell_that_does_not_issue_gives_none_and_turning_it_on_catches_up()
    {
        var district = await ShellTestDistrict.CreateAsync(api);
        var shell = await district.ShellOfAsync("nw-cls-alg1-p1");
        var teacher = await district.AsAsync("nw-t-001", Roles.Teacher);
        var student = await district.AsAsync("nw-s-001", Roles.Student);
        var (_, lesson) = await ShellTestDistrict.PublishedLessonAsync(teacher, shell);
        Assert.Equal(HttpStatusCode.OK, (await student.PostAsync($"/api/shells/{shell}/items/{lesson}/view", null)).StatusCode);
        Assert.Empty((await student.GetFromJsonAsync<JsonElement>("/api/certificates/mine")).EnumerateArray());

        var settings = await teacher.PutAsJsonAsync($"/api/shells/{shell}/certificate-settings", new { issues = true });
        Assert.Equal(1, (await settings.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("issuedNow").GetInt32());
        Assert.Single((await student.GetFromJsonAsync<JsonElement>("/api/certificates/mine")).EnumerateArray());
    }

    [Fact]
    public async Task Issuing_is_audited_per_certificate_on_completion_and_once_for_a_catch_up_and_the_chain_verifies()
    {
        var district = await ShellTestDistrict.CreateAsync(api);
        var shell = await district.ShellOfAsync("nw-cls-alg1-p1");
        var teacher = await district.AsAsync("nw-t-001", Roles.Teacher);
        var student = await district.AsAsync("nw-s-001", Roles.Student);
        var studentId = await district.IdAsync("users", "nw-s-001");
        var (_, lesson) = await ShellTestDistrict.PublishedLessonAsync(teacher, shell);

        // nw-s-002 completes before the shell issues; turning issuing on catches up in one statement: one event listing it.
        var early = await district.AsAsync("nw-s-002", Roles.Student);
        Assert.Equal(HttpStatusCode.OK, (await early.PostAsync($"/api/shells/{shell}/items/{lesson}/view", null)).StatusCode);
        var settings = await teacher.PutAsJsonAsync($"/api/shells/{shell}/certificate-settings", new { issues = true });
        Assert.Equal(1, (await settings.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("issuedNow").GetInt32());
        var caughtUp = Assert.Single((await early.GetFromJsonAsync<JsonElement>("/api/certificates/mine")).EnumerateArray()).GetProperty("id").GetGuid();
        var listed = await district.ScalarAsync<string>(
            "select after_values::text from audit_events where action = 'course_certificates.issued' and entity_id = $1", shell.ToString());
        Assert.Contains(caughtUp.ToString(), listed);

        // A completion issues: one event for the certificate, naming the student as subject and actor, however often the view is sent.
        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => student.PostAsync($"/api/shells/{shell}/items/{lesson}/view", null)));
        var id = Assert.Single((await student.GetFromJsonAsync<JsonElement>("/api/certificates/mine")).EnumerateArray()).GetProperty("id").GetGuid();
        Assert.Equal(1L, await district.ScalarAsync<long>(
            "select count(*) from audit_events where action = 'course_certificate.issued' and entity_id = $1 and subject_user_id = $2 and actor_id = $3",
            id.ToString(), studentId, studentId.ToString()));
        Assert.Equal(1L, await district.ScalarAsync<long>("select count(*) from audit_events where action = 'course_certificate.issued'"));

        var admin = await district.AsNewAsync(Roles.DistrictAdmin);
        Assert.True((await admin.GetFromJsonAsync<JsonElement>("/api/audit/verify")).GetProperty("ok").GetBoolean());
    }

    [Fact]
    public async Task Verification_is_rate_limited_per_address_page_and_api_together_so_codes_cannot_be_enumerated()
    {
        var district = await ShellTestDistrict.CreateAsync(api);
        var shell = await district.ShellOfAsync("nw-cls-alg1-p1");
        var teacher = await district.AsAsync("nw-t-001", Roles.Teacher);
        var student = await district.AsAsync("nw-s-001", Roles.Student);
        var (_, lesson) = await ShellTestDistrict.PublishedLessonAsync(teacher, shell);
        await teacher.PutAsJsonAsync($"/api/shells/{shell}/certificate-settings", new { issues = true });
        await student.PostAsync($"/api/shells/{shell}/items/{lesson}/view", null);
        var code = Assert.Single((await student.GetFromJsonAsync<JsonElement>("/api/certificates/mine")).EnumerateArray()).GetProperty("groupedCode").GetString()!;
        var anonymous = api.ClientFor(district.District.Slug);
        Task<HttpResponseMessage> Lookup(string path, string address = "198.51.100.20")
        {
            var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Add(ApiFactory.ClientAddressHeader, address);
            if (!path.StartsWith("/api")) request.Headers.Accept.ParseAdd("text/html");
            return anonymous.SendAsync(request);
        }

        // 29 guesses (page and API share one budget), then the right code still verifies as the 30th look-up of the minute...
        for (var i = 0; i < 29; i++)
        {
            var guess = Guid.NewGuid().ToString("N").ToUpperInvariant();
            Assert.Equal(HttpStatusCode.NotFound, (await Lookup(i % 2 == 0 ? $"/verify/{guess}" : $"/api/verify/{guess}")).StatusCode);
        }
        var verified = await Lookup($"/verify/{code}");
        Assert.Equal(HttpStatusCode.OK, verified.StatusCode);
        var page = await verified.Content.ReadAsStringAsync();
        Assert.Contains("This certificate is valid.", page);

        // ...and the 31st is refused, even with the right code: a friendly page for a browser, a problem for the API.
        var refused = await Lookup($"/verify/{code}");
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        var refusal = await refused.Content.ReadAsStringAsync();
        Assert.Contains("Too many look-ups", refusal);
        Assert.DoesNotContain("This certificate is valid.", refusal);
        await HttpAssert.ProblemAsync(await Lookup($"/api/verify/{code}"), HttpStatusCode.TooManyRequests);

        // Another address has its own budget.
        Assert.Equal(HttpStatusCode.OK, (await Lookup($"/api/verify/{code}", "198.51.100.21")).StatusCode);
    }

    [Fact]
    public async Task Revocation_needs_a_reason_is_audited_shows_on_verify_and_other_columns_are_immutable_for_the_app_role()
    {
        var district = await ShellTestDistrict.CreateAsync(api);
        var shell = await district.ShellOfAsync("nw-cls-alg1-p1");
        var teacher = await district.AsAsync("nw-t-001", Roles.Teacher);
        var student = await district.AsAsync("nw-s-001", Roles.Student);
        var (_, lesson) = await ShellTestDistrict.PublishedLessonAsync(teacher, shell);
        await teacher.PutAsJsonAsync($"/api/shells/{shell}/certificate-settings", new { issues = true });
        await student.PostAsync($"/api/shells/{shell}/items/{lesson}/view", null);
        var certificate = Assert.Single((await student.GetFromJsonAsync<JsonElement>("/api/certificates/mine")).EnumerateArray());
        var id = certificate.GetProperty("id").GetGuid();
        var code = certificate.GetProperty("groupedCode").GetString()!;

        var anonymous = api.ClientFor(district.District.Slug);
        var verified = await anonymous.GetFromJsonAsync<JsonElement>($"/api/verify/{code}");
        Assert.Equal(["studentName", "courseTitle", "issuedOn", "revokedAt"], verified.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal(JsonValueKind.Null, verified.GetProperty("revokedAt").ValueKind);

        var other = await api.Database.CreateDistrictAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await api.ClientFor(other.Slug).GetAsync($"/api/verify/{code}")).StatusCode);

        Assert.Equal(HttpStatusCode.Forbidden, (await student.PostAsJsonAsync($"/api/certificates/{id}/revoke", new { reason = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await teacher.PostAsJsonAsync($"/api/certificates/{id}/revoke", new { reason = " " })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await teacher.PostAsJsonAsync($"/api/certificates/{id}/revoke", new { reason = "Awarded in error" })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await teacher.PostAsJsonAsync($"/api/certificates/{id}/revoke", new { reason = "again" })).StatusCode);
        verified = await anonymous.GetFromJsonAsync<JsonElement>($"/api/verify/{code}");
        Assert.NotEqual(JsonValueKind.Null, verified.GetProperty("revokedAt").ValueKind);
        Assert.DoesNotContain("Awarded in error", verified.GetRawText());
        Assert.Equal(1L, await district.ScalarAsync<long>(
            "select count(*) from audit_events where action = 'course_certificate.revoked' and entity_id = $1 and reason = 'Awarded in error'", id.ToString()));

        var refused = await Assert.ThrowsAsync<PostgresException>(() => district.ExecAsync("update course_certificates set student_name = 'Someone Else' where id = $1", id));
        Assert.Equal("42501", refused.SqlState); // no UPDATE grant on that column for the app role
        var trigger = await Assert.ThrowsAsync<PostgresException>(() => district.ExecAsync("update course_certificates set revoked_at = null, revoked_reason = null where id = $1", id));
        Assert.Equal("23514", trigger.SqlState);
    }
}
