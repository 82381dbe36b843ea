using LmsCloud.Core;
using LmsCloud.Core.Audit;
using LmsCloud.Core.Compliance.Export;
using LmsCloud.Core.Database;
using LmsCloud.Core.Database.Local;
using LmsCloud.Core.Districts;
using LmsCloud.Core.Tenancy;
using LmsCloud.Sis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace LmsCloud.Cli;

/// <summary>A command line the user got wrong: exit code 2 and the usage.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>
/// <c>lms</c>, the operators' command line. Exit codes: 0 done, 1 failed (one line on stderr says why), 2 usage error.
/// </summary>
public static class Cli
{
    public const string Usage = """
        usage: lms <command>
          db migrate                                   apply pending schema migrations
          db info                                      connection strings (both roles) and schema version
          db stop                                      stop the embedded local PostgreSQL
          tenants create --slug S --name N [--time-zone Z]
          tenants list
          tenants suspend --slug S
          tenants resume --slug S
          users create --tenant S --email E --role R [--name N] [--password P]
          users list --tenant S
          audit verify --tenant S                      recompute the district's audit chain (exit 1 if broken)
          sis import --tenant S PATH [--dry-run]       import a OneRoster package (zip or folder); exit 1 if failed or held
          sis generate --out DIR [--students N] [--teachers N] [--classes N] [--version 1.1|1.2] [--seed N] [--changed-fraction F]
          compliance export --tenant S (--person ID | --district) --out FILE.zip   a signed export (ID: our id or the SIS sourcedId)
          compliance verify-export FILE.zip            check an export's signature, hashes and counts (exit 1 names the first problem)
          compliance verify-certificate FILE.json      check a deletion certificate's signature (exit 1 names the first problem)
          compliance requests list [--tenant S] [--state STATE] [--type TYPE] [--overdue]   requests with their due dates
          compliance requests show ID --tenant S       a request and its timeline (and its export's attempt and progress)
          compliance requests create --tenant S --type TYPE (--person ID | --district) [--comment C]
          compliance requests approve|reject|cancel ID --tenant S [--reason R]   reject and cancel need a reason
          compliance requests retry ID [--tenant S] [--reason R]   a failed request, approved again to be processed from the start
          compliance holds list --tenant S [--active true|false]
          compliance holds place --tenant S --scope district|school|class|person [--id ID] --reason R [--until DATE]
          compliance holds release --tenant S HOLD_ID --reason R
          compliance retention report --tenant S [--csv FILE]   a dry-run report of what the retention policy says is due
          compliance retention approve --tenant S RUN_ID [--comment C]
          compliance retention run --tenant S RUN_ID [--max-items N]   purge and erase what is still due (exit 1 if failed)
          grades compute FILE.json|-                   the grade engine on one student's description (docs/grade-engine.md); no database
        Uses ConnectionStrings__App / ConnectionStrings__Owner when set, else the embedded local cluster.
        """;

    public static async Task<int> RunAsync(string[] args, IConfiguration configuration, TextWriter stdout, TextWriter stderr, TextReader? stdin = null)
    {
        try
        {
            var command = new CommandLine(args, flags: ["dry-run", "district", "overdue"]);
            await using var context = new CliContext(configuration, stdout, stderr) { In = stdin ?? Console.In };
            return (command.Word(0), command.Word(1)) switch
            {
                ("db", "migrate") => await DatabaseCommands.MigrateAsync(context, command),
                ("db", "info") => await DatabaseCommands.InfoAsync(context, command),
                ("db", "stop") => DatabaseCommands.Stop(context, command),
                ("tenants", "create") => await TenantCommands.CreateAsync(context, command),
                ("tenants", "list") => await TenantCommands.ListAsync(context, command),
                ("tenants", "suspend") => await TenantCommands.SetStatusAsync(context, command, DistrictStatus.Suspended),
                ("tenants", "resume") => await TenantCommands.SetStatusAsync(context, command, DistrictStatus.Active),
                ("users", "create") => await UserCommands.CreateAsync(context, command),
                ("users", "list") => await UserCommands.ListAsync(context, command),
                ("audit", "verify") => await AuditCommands.VerifyAsync(context, command),
                ("sis", "import") => await SisCommands.ImportAsync(context, command),
                ("sis", "generate") => SisCommands.Generate(context, command),
                ("compliance", "export") => await ComplianceCommands.ExportAsync(context, command),
                ("compliance", "verify-export") => await ComplianceCommands.VerifyExportAsync(context, command),
                ("compliance", "verify-certificate") => await CertificateCommands.VerifyAsync(context, command),
                ("compliance", "requests") => await RequestCommands.RunAsync(context, command),
                ("compliance", "holds") => await HoldCommands.RunAsync(context, command),
                ("compliance", "retention") => await RetentionCommands.RunAsync(context, command),
                ("grades", "compute") => await GradeCommands.ComputeAsync(context, command),
                ("help" or "--help" or "-h", _) or (null, _) => Help(stdout),
                _ => throw new UsageException($"unknown command '{string.Join(' ', args)}'"),
            };
        }
        catch (UsageException e)
        {
            await stderr.WriteLineAsync($"lms: {e.Message}");
            await stderr.WriteLineAsync(Usage);
            return 2;
        }
        catch (Exception e)
        {
            await stderr.WriteLineAsync($"lms: {OneLine(e)}");
            return 1;
        }
    }

    static int Help(TextWriter stdout)
    {
        stdout.WriteLine(Usage);
        return 0;
    }

    /// <summary>The one line an operator needs: what failed and why, without a stack trace.</summary>
    static string OneLine(Exception e) => e switch
    {
        DistrictProvisioningException or PostgresNotInstalledException => e.Message,
        NpgsqlException { InnerException: System.Net.Sockets.SocketException or TimeoutException } =>
            $"cannot reach the database: {e.InnerException!.Message}",
        PostgresException pg => $"database error {pg.SqlState}: {pg.MessageText}",
        NpgsqlException => $"database error: {e.Message}",
        _ => e.Message,
    };
}

/// <summary>What every command needs: where to write and how to reach the database and the product's services.</summary>
public sealed class CliContext(IConfiguration configuration, TextWriter stdout, TextWriter stderr) : IAsyncDisposable
{
    DatabaseConnectionStrings? _strings;
    ServiceProvider? _services;

    public TextReader In { get; init; } = Console.In;
    public TextWriter Out { get; } = stdout;
    public TextWriter Error { get; } = stderr;
    public IConfiguration Configuration { get; } = configuration;

    /// <summary>Connection strings, starting the embedded cluster if none are configured (its messages go to stderr).</summary>
    public DatabaseConnectionStrings ConnectionStrings => _strings ??= DatabaseConnectionStrings.Resolve(Configuration, Error.WriteLine);

    /// <summary>
    /// Core's services (database, tenancy, accounts, audit), registered as every host registers them, over the
    /// application role; pending migrations are applied first when the owner is known.
    /// </summary>
    public async Task<IServiceProvider> ServicesAsync(CancellationToken ct = default)
    {
        if (_services != null) return _services;
        if (ConnectionStrings.Owner is { } owner) await MigrationRunner.ApplyAsync(owner, ct);
        var services = new ServiceCollection()
            .AddSingleton(ConnectionStrings)
            .AddSingleton(Configuration) // the platform signer (deletion certificates) reads Auth:SigningKeys
            .AddLogging()
            .AddLmsCore(Configuration)
            .AddSis()
            .AddComplianceExports(Configuration, allowDevelopmentKey: true, ComplianceCommands.OneRosterPackageAsync);
        return _services = services.BuildServiceProvider();
    }

    /// <summary>The district with this slug, or a one-line failure.</summary>
    public async Task<District> DistrictAsync(string slug, CancellationToken ct = default) =>
        await (await ServicesAsync(ct)).GetRequiredService<DistrictStore>().GetByIdentifierAsync(slug, ct)
        ?? throw new DistrictProvisioningException($"No district has the slug '{slug}'.");

    /// <summary>Operators act as themselves in the audit log.</summary>
    public static AuditActor Actor => AuditActor.Operator($"cli:{Environment.UserName}");

    public async ValueTask DisposeAsync()
    {
        if (_services != null) await _services.DisposeAsync();
    }
}

/// <summary>Words, <c>--name value</c> options and known <c>--flag</c>s; anything unexpected is a usage error.</summary>
public sealed class CommandLine
{
    readonly List<string> _words = [];
    readonly Dictionary<string, string> _options = new(StringComparer.Ordinal);
    readonly HashSet<string> _flags = [];
    readonly HashSet<string> _used = [];

    public CommandLine(string[] args, IReadOnlyCollection<string>? flags = null)
    {
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i].StartsWith("--", StringComparison.Ordinal) && args[i].Length > 2)
            {
                var name = args[i][2..];
                if (flags?.Contains(name) == true)
                {
                    _flags.Add(name);
                    continue;
                }
                if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    throw new UsageException($"{args[i]} needs a value");
                _options[name] = args[++i];
            }
            else _words.Add(args[i]);
        }
    }

    public string? Word(int index) => index < _words.Count ? _words[index] : null;

    public string RequiredWord(int index, string what) => Word(index) ?? throw new UsageException($"{what} is required");

    public string Required(string name) =>
        Optional(name) ?? throw new UsageException($"--{name} is required");

    public string? Optional(string name)
    {
        _used.Add(name);
        return _options.GetValueOrDefault(name);
    }

    public T Optional<T>(string name, T fallback) where T : IParsable<T> =>
        Optional(name) is not { } text ? fallback
        : T.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var value) ? value
        : throw new UsageException($"--{name}: '{text}' is not a valid {typeof(T).Name.ToLowerInvariant()}");

    public bool Flag(string name)
    {
        _used.Add(name);
        return _flags.Contains(name);
    }

    /// <summary>Call once a command has read its options: unknown options and extra words are usage errors.</summary>
    public void NoMore(int words)
    {
        if (_options.Keys.Concat(_flags).FirstOrDefault(k => !_used.Contains(k)) is { } unknown)
            throw new UsageException($"unknown option --{unknown}");
        if (_words.Count > words)
            throw new UsageException($"unexpected '{_words[words]}'");
    }
}
