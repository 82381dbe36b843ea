using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LmsCloud.Core.Audit;
using LmsCloud.Core.Compliance;
using LmsCloud.Core.Districts;
using LmsCloud.Core.Tenancy;
using LmsCloud.Core.Users;
using LmsCloud.Tests.Infrastructure;
using LmsCloud.Tests.Rostering;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace LmsCloud.Tests.Compliance;

/// <summary><c>/api/compliance/requests</c> and <see cref="ComplianceRequests"/> over the real database, as the application role.</summary>
public sealed class ComplianceRequestTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    const string Requests = "/api/compliance/requests";

    async Task<(DistrictSummary District, HttpClient Officer, TestUser OfficerUser, Guid Student)> DistrictAsync()
    {
        var district = await api.Database.CreateDistrictAsync();
        var officer = await api.CreateUserAsync(district, Roles.ComplianceOfficer);
        var student = await api.CreateUserAsync(district, Roles.Student);
        var client = api.ClientFor(district.Slug, (await api.SignInAsync(officer)).GetProperty("access_token").GetString()!);
        return (district, client, officer, student.Id);
    }

    async Task<JsonElement> CreatedAsync(HttpResponseMessage response)
    {
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()} {string.Join("\n", api.Errors)}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    static async Task<JsonElement> OkAsync(HttpResponseMessage response)
    {
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    static string Id(JsonElement request) => request.GetProperty("id").GetString()!;
    static string State(JsonElement request) => request.GetProperty("state").GetString()!;

    /// <summary>Work outside HTTP (the processing jobs to come), in the district's own scope.</summary>
    Task<RequestOutcome> AsJobAsync(DistrictSummary district, Func<ComplianceRequests, RequestCaller, Task<RequestOutcome>> work) =>
        DistrictScope.RunAsync(api.Services, new District(district.Id, district.Slug, district.Name, DistrictStatus.Active),
            scope => work(scope.GetRequiredService<ComplianceRequests>(), RequestCaller.System(new AuditActor("system", "compliance-test"))));

    [Fact]
    public void The_state_table_allows_exactly_these_moves()
    {
        var legal = new HashSet<string>
        {
            "received>awaiting_approval", "received>rejected", "received>cancelled",
            "awaiting_approval>approved", "awaiting_approval>rejected", "awaiting_approval>cancelled",
            "approved>processing", "approved>cancelled",
            "processing>failed", "failed>approved", "failed>processing", "failed>cancelled",
            "ready>completed", "ready>expired",
        };
        foreach (var type in RequestTypes.All)
            foreach (var from in RequestStates.All)
                foreach (var to in RequestStates.All)
                {
                    var expected = legal.Contains($"{from}>{to}") ||
                                   (from == "processing" && to == (type == "erasure" ? "completed" : "ready"));
                    Assert.True(expected == RequestStates.CanMove(type, from, to), $"{type}: {from} → {to} should be {(expected ? "legal" : "refused")}");
                }
    }

    [Fact]
    public async Task A_request_goes_through_every_step_is_audited_and_a_failed_part_fails_it_until_a_retry_succeeds()
    {
        var (district, officer, officerUser, student) = await DistrictAsync();
        var created = await CreatedAsync(await officer.PostAsJsonAsync(Requests, new { type = "export", subjectId = student, comment = "Parent letter of 1 Dec" }));
        var id = Guid.Parse(Id(created));
        Assert.Equal("received", State(created));
        Assert.False(created.GetProperty("overdue").GetBoolean());
        var dueIn = created.GetProperty("dueAt").GetDateTimeOffset() - created.GetProperty("createdAt").GetDateTimeOffset();
        Assert.Equal(TimeSpan.FromDays(45), dueIn);

        Assert.Equal("awaiting_approval", State(await OkAsync(await officer.PostAsJsonAsync($"{Requests}/{id}/submit", new { comment = "identity checked" }))));
        var approved = await OkAsync(await officer.PostAsJsonAsync($"{Requests}/{id}/approve", new { }));
        Assert.Equal("approved", State(approved));
        Assert.Equal(officerUser.Id.ToString(), approved.GetProperty("deciderUserId").GetString());

        // The processing hook: a part that fails ends the request failed, naming it; never ready with parts missing.
        Assert.Equal("processing", (await AsJobAsync(district, (s, job) => s.TransitionAsync(id, RequestStates.Processing, job))).Request!.State);
        var failed = await AsJobAsync(district, (s, job) => s.FinishAsync(id,
            [new PartOutcome("enrollments", true), new PartOutcome("demographics", false, "disk full")], job));
        Assert.Equal("failed", failed.Request!.State);
        Assert.Equal("1 of 2 parts failed: demographics: disk full", failed.Request.Reason);
        var finishedAsItIs = await AsJobAsync(district, (s, job) => s.FinishAsync(id, [new PartOutcome("enrollments", true)], job));
        Assert.Equal(RequestErrorKind.IllegalTransition, finishedAsItIs.Error!.Kind); // a failed request is retried, never finished as it is
        // Retried: approved again, processed, every part done.
        Assert.Equal("approved", State(await OkAsync(await officer.PostAsJsonAsync($"{Requests}/{id}/approve", new { comment = "retry" }))));
        await AsJobAsync(district, (s, job) => s.TransitionAsync(id, RequestStates.Processing, job));
        var ready = await AsJobAsync(district, (s, job) => s.FinishAsync(id, [new PartOutcome("enrollments", true), new PartOutcome("demographics", true)], job));
        Assert.Equal("ready", ready.Request!.State);
        Assert.Null(ready.Request.Reason);
        Assert.Equal("completed", (await AsJobAsync(district, (s, job) => s.TransitionAsync(id, RequestStates.Completed, job))).Request!.State);

        var view = await OkAsync(await officer.GetAsync($"{Requests}/{id}"));
        Assert.Equal("completed", State(view));
        Assert.True(view.TryGetProperty("closedAt", out var closed) && closed.ValueKind == JsonValueKind.String);
        var timeline = view.GetProperty("timeline").EnumerateArray().Select(e => e.GetProperty("toState").GetString()).ToList();
        Assert.Equal(["received", "awaiting_approval", "approved", "processing", "failed", "approved", "processing", "ready", "completed"], timeline);
        Assert.Equal("Parent letter of 1 Dec", view.GetProperty("timeline")[0].GetProperty("comment").GetString());

        // Every step is in the audit log, about the student, by whoever moved it; the chain holds.
        await using var db = api.Database.CreateContext(district.Id);
        var events = db.AuditEvents.Where(e => e.EntityId == id.ToString()).OrderBy(e => e.Seq).ToList();
        Assert.Equal(["compliance_request.received", "compliance_request.awaiting_approval", "compliance_request.approved",
            "compliance_request.processing", "compliance_request.failed", "compliance_request.approved", "compliance_request.processing",
            "compliance_request.ready", "compliance_request.completed"], events.Select(e => e.Action));
        Assert.All(events, e => Assert.Equal(student, e.SubjectUserId));
        Assert.Equal(officerUser.Id.ToString(), events[0].ActorId);
        Assert.Equal("compliance-test", events[3].ActorId);
        Assert.Equal("1 of 2 parts failed: demographics: disk full", events[4].Reason);
        Assert.True((await AuditLog.VerifyAsync(db)).Ok);
    }

    [Fact]
    public async Task Illegal_moves_are_409_problems_naming_both_states_and_refusals_need_a_reason()
    {
        var (_, officer, _, student) = await DistrictAsync();
        var id = Id(await CreatedAsync(await officer.PostAsJsonAsync(Requests, new { type = "erasure", subjectId = student })));

        var problem = await HttpAssert.ProblemAsync(await officer.PostAsJsonAsync($"{Requests}/{id}/approve", new { }), HttpStatusCode.Conflict,
            "Illegal transition", withDetail: true);
        Assert.Equal("received", problem.GetProperty("from").GetString());
        Assert.Equal("approved", problem.GetProperty("to").GetString());
        Assert.Contains("received cannot move to approved", problem.GetProperty("detail").GetString());

        await HttpAssert.ValidationProblemAsync(await officer.PostAsJsonAsync($"{Requests}/{id}/reject", new { }), "reason");
        await HttpAssert.ValidationProblemAsync(await officer.PostAsJsonAsync($"{Requests}/{id}/cancel", new { reason = " " }), "reason");
        var rejected = await OkAsync(await officer.PostAsJsonAsync($"{Requests}/{id}/reject", new { reason = "Not the person's own request" }));
        Assert.Equal("rejected", State(rejected));
        Assert.Equal("Not the person's own request", rejected.GetProperty("reason").GetString());

        // Closed is closed.
        foreach (var action in new[] { "submit", "approve", "cancel" })
        {
            var closed = await HttpAssert.ProblemAsync(await officer.PostAsJsonAsync($"{Requests}/{id}/{action}", new { reason = "again" }),
                HttpStatusCode.Conflict, "Illegal transition");
            Assert.Equal("rejected", closed.GetProperty("from").GetString());
        }
        await HttpAssert.ProblemAsync(await officer.PostAsJsonAsync($"{Requests}/{Guid.NewGuid()}/approve", new { }), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Only_one_open_request_per_subject_and_type_even_when_created_in_parallel()
    {
        var (_, officer, _, student) = await DistrictAsync();
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            officer.PostAsJsonAsync(Requests, new { type = "export", subjectId = student })));
        var created = responses.Where(r => r.StatusCode == HttpStatusCode.Created).ToList();
        Assert.Single(created);
        var id = Id(await created[0].Content.ReadFromJsonAsync<JsonElement>());
        foreach (var conflict in responses.Where(r => r.StatusCode != HttpStatusCode.Created))
        {
            var problem = await HttpAssert.ProblemAsync(conflict, HttpStatusCode.Conflict, "An open request exists");
            Assert.Equal(id, problem.GetProperty("existingRequestId").GetString());
        }

        // Another type for the same person is its own request; a district export is one per district.
        await CreatedAsync(await officer.PostAsJsonAsync(Requests, new { type = "disclosure_log", subjectId = student }));
        await CreatedAsync(await officer.PostAsJsonAsync(Requests, new { type = "district_export" }));
        await HttpAssert.ProblemAsync(await officer.PostAsJsonAsync(Requests, new { type = "district_export" }), HttpStatusCode.Conflict);

        // Once closed, a new one may be made.
        await OkAsync(await officer.PostAsJsonAsync($"{Requests}/{id}/cancel", new { reason = "made in error" }));
        await CreatedAsync(await officer.PostAsJsonAsync(Requests, new { type = "export", subjectId = student }));
    }

    [Fact]
    public async Task A_guardian_may_request_an_export_of_their_own_child_only()
    {
        var district = await api.Database.CreateDistrictAsync();
        await RosterSamples.ImportDirectlyAsync(api.Database, district.Id, "northwind-1.1-bulk");
        async Task<Guid> IdOf(string sourcedId) => await RosterSamples.InternalIdAsync(api.Database, district.Id, "users", sourcedId);
        var guardian = api.ClientFor(district.Slug, TestTokens.Sign(api.SigningKey, district.Slug, district.Id, await IdOf("nw-g-001"), [Roles.Guardian]));
        var ownChild = await IdOf("nw-s-001");
        var otherChild = await IdOf("nw-s-002");

        var created = await CreatedAsync(await guardian.PostAsJsonAsync(Requests, new { type = "export", subjectId = ownChild }));
        Assert.Equal("user", created.GetProperty("requesterActorType").GetString());
        Assert.Equal((await IdOf("nw-g-001")).ToString(), created.GetProperty("requesterActorId").GetString());

        await HttpAssert.ProblemAsync(await guardian.PostAsJsonAsync(Requests, new { type = "export", subjectId = otherChild }), HttpStatusCode.Forbidden);
        await HttpAssert.ProblemAsync(await guardian.PostAsJsonAsync(Requests, new { type = "erasure", subjectId = await IdOf("nw-s-009") }),
            HttpStatusCode.Forbidden);
        await HttpAssert.ProblemAsync(await guardian.PostAsJsonAsync(Requests, new { type = "export", subjectId = Guid.NewGuid() }), HttpStatusCode.Forbidden);
        // A guardian neither reads the district's requests nor decides them.
        await HttpAssert.ProblemAsync(await guardian.GetAsync(Requests), HttpStatusCode.Forbidden);
        await HttpAssert.ProblemAsync(await guardian.PostAsJsonAsync($"{Requests}/{Id(created)}/submit", new { }), HttpStatusCode.Forbidden);

        // Nobody else but an officer asks: a teacher, a student, a district admin.
        foreach (var role in new[] { Roles.Teacher, Roles.Student, Roles.DistrictAdmin })
            await HttpAssert.ProblemAsync(await (await api.ClientAsAsync(district, role)).PostAsJsonAsync(Requests, new { type = "export", subjectId = ownChild }),
                HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task District_admins_read_but_do_not_decide_and_another_district_sees_nothing()
    {
        var (district, officer, _, student) = await DistrictAsync();
        var id = Id(await CreatedAsync(await officer.PostAsJsonAsync(Requests, new { type = "export", subjectId = student })));
        var admin = await api.ClientAsAsync(district, Roles.DistrictAdmin);
        Assert.Equal(id, Id(await OkAsync(await admin.GetAsync($"{Requests}/{id}"))));
        Assert.Equal(1, (await OkAsync(await admin.GetAsync(Requests))).GetProperty("total").GetInt32());
        foreach (var action in new[] { "submit", "approve", "reject", "cancel", "comments" })
            await HttpAssert.ProblemAsync(await admin.PostAsJsonAsync($"{Requests}/{id}/{action}", new { reason = "x", comment = "x" }), HttpStatusCode.Forbidden);

        var (_, otherOfficer, _, _) = await DistrictAsync();
        await HttpAssert.ProblemAsync(await otherOfficer.GetAsync($"{Requests}/{id}"), HttpStatusCode.NotFound);
        await HttpAssert.ProblemAsync(await otherOfficer.PostAsJsonAsync($"{Requests}/{id}/submit", new { }), HttpStatusCode.NotFound);
        Assert.Equal(0, (await OkAsync(await otherOfficer.GetAsync(Requests))).GetProperty("total").GetInt32());
        // Nor can it name the first district's student as its subject.
        await HttpAssert.ValidationProblemAsync(await otherOfficer.PostAsJsonAsync(Requests, new { type = "export", subjectId = student }), "subjectId");
    }

    [Fact]
    public async Task Due_dates_follow_the_districts_deadline_and_overdue_is_computed_on_read_and_filtered()
    {
        var (district, officer, _, student) = await DistrictAsync();
        await using (var conn = await api.Database.OpenAsTenantAsync(district.Id))
        await using (var cmd = new NpgsqlCommand("""update district_profiles set settings = jsonb_set(settings, '{compliance}', '{"requestDeadlineDays": 10}')""", conn))
            await cmd.ExecuteNonQueryAsync();
        var late = await CreatedAsync(await officer.PostAsJsonAsync(Requests, new { type = "export", subjectId = student }));
        Assert.Equal(TimeSpan.FromDays(10), late.GetProperty("dueAt").GetDateTimeOffset() - late.GetProperty("createdAt").GetDateTimeOffset());
        var onTime = await CreatedAsync(await officer.PostAsJsonAsync(Requests, new { type = "erasure", subjectId = student }));

        // Eleven days on, as far as the first request knows.
        await using (var conn = await api.Database.OpenAsTenantAsync(district.Id))
        await using (var cmd = new NpgsqlCommand("update compliance_requests set due_at = now() - interval '1 day' where id = $1", conn))
        {
            cmd.Parameters.AddWithValue(Guid.Parse(Id(late)));
            await cmd.ExecuteNonQueryAsync();
        }
        Assert.True((await OkAsync(await officer.GetAsync($"{Requests}/{Id(late)}"))).GetProperty("overdue").GetBoolean());
        var overdue = await OkAsync(await officer.GetAsync($"{Requests}?overdue=true"));
        Assert.Equal([Id(late)], overdue.GetProperty("items").EnumerateArray().Select(Id));
        Assert.Equal([Id(onTime)], (await OkAsync(await officer.GetAsync($"{Requests}?overdue=false"))).GetProperty("items").EnumerateArray().Select(Id));
        Assert.Equal([Id(onTime)], (await OkAsync(await officer.GetAsync($"{Requests}?type=erasure&state=received"))).GetProperty("items").EnumerateArray().Select(Id));
        var page = await OkAsync(await officer.GetAsync($"{Requests}?pageSize=1&page=2"));
        Assert.Equal(2, page.GetProperty("total").GetInt32());
        Assert.Equal([Id(late)], page.GetProperty("items").EnumerateArray().Select(Id)); // newest first

        // Cancelled is no longer overdue.
        await OkAsync(await officer.PostAsJsonAsync($"{Requests}/{Id(late)}/cancel", new { reason = "withdrawn by the parent" }));
        Assert.False((await OkAsync(await officer.GetAsync($"{Requests}/{Id(late)}"))).GetProperty("overdue").GetBoolean());
    }

    [Fact]
    public async Task Bad_input_is_a_validation_problem_naming_the_field()
    {
        var (_, officer, _, student) = await DistrictAsync();
        await HttpAssert.ValidationProblemAsync(await officer.PostAsJsonAsync(Requests, new { type = "gossip", subjectId = student }), "type");
        await HttpAssert.ValidationProblemAsync(await officer.PostAsJsonAsync(Requests, new { type = "export" }), "subjectId");
        await HttpAssert.ValidationProblemAsync(await officer.PostAsJsonAsync(Requests, new { type = "district_export", subjectId = student }), "subjectId");
        await HttpAssert.ValidationProblemAsync(await officer.PostAsJsonAsync(Requests, new { type = "export", subjectId = Guid.NewGuid() }), "subjectId");
        await HttpAssert.ValidationProblemAsync(await officer.PostAsJsonAsync(Requests, new { type = "export", subjectId = student, comment = "a\0b" }), "comment");
        await HttpAssert.ValidationProblemAsync(await officer.PostAsJsonAsync(Requests, new { type = "export", subjectId = student, comment = new string('x', 2001) }), "comment");
        await HttpAssert.ValidationProblemAsync(await officer.GetAsync($"{Requests}?state=lost"), "state");
        await HttpAssert.ValidationProblemAsync(await officer.GetAsync($"{Requests}?type=gossip"), "type");
        await HttpAssert.ValidationProblemAsync(await officer.GetAsync($"{Requests}?pageSize=0"), "pageSize");

        var id = Id(await CreatedAsync(await officer.PostAsJsonAsync(Requests, new { type = "export", subjectId = student })));
        await HttpAssert.ValidationProblemAsync(await officer.PostAsJsonAsync($"{Requests}/{id}/comments", new { comment = "" }), "comment");
        var commented = await OkAsync(await officer.PostAsJsonAsync($"{Requests}/{id}/comments", new { comment = "Called the parent back" }));
        var last = commented.GetProperty("timeline").EnumerateArray().Last();
        Assert.Equal("Called the parent back", last.GetProperty("comment").GetString());
        Assert.Equal(JsonValueKind.Null, last.GetProperty("toState").ValueKind);
        Assert.Empty(api.Errors);
    }
}
