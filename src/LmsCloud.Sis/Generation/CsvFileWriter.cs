using CsvHelper;

namespace LmsCloud.Sis.Generation;

/// <summary>
/// Streaming CSV writer for generated packages, over CsvHelper: UTF-8 without BOM, "\n" after every row (including
/// the last), RFC 4180 quoting only when a field contains a comma, a quote or a line break. Checks that every row has
/// as many fields as the header, so a generator bug cannot produce a ragged file.
/// </summary>
/// <remarks>
/// No CSV-injection escaping: a package is the importer's input, not a spreadsheet, and a leading apostrophe would
/// change the values the importer reads (a phone number "+1 ...", a name starting with "-").
/// </remarks>
internal sealed class CsvFileWriter : IDisposable
{
    const int ProgressEvery = 100_000;
    static readonly CsvWriterOptions Options = CsvWriterOptions.Default with { NewLine = "\n" };

    readonly CsvWriter writer;
    readonly string fileName;
    readonly int columns;
    readonly IProgress<(string File, int Rows)>? progress;

    public int Rows { get; private set; }

    public CsvFileWriter(string directory, string fileName, IProgress<(string File, int Rows)>? progress, params string[] header)
        : this(CsvWriter.ToFile(Path.Combine(directory, fileName), Options), fileName, progress, header)
    {
    }

    /// <summary>Writes to a stream someone else owns (a zip entry, a response): it is flushed, not closed, on dispose.</summary>
    public CsvFileWriter(Stream stream, string fileName, params string[] header)
        : this(CsvWriter.Create(stream, Options, true), fileName, null, header)
    {
    }

    CsvFileWriter(CsvWriter writer, string fileName, IProgress<(string File, int Rows)>? progress, string[] header)
    {
        this.writer = writer;
        this.fileName = fileName;
        this.progress = progress;
        columns = header.Length;
        writer.WriteHeader(header);
    }

    /// <summary>Writes what is buffered to the stream, so others may append to it (the OneRoster export's COPY output after the header).</summary>
    public void Flush() => writer.Flush();

    /// <summary>Writes one data row; null and empty are both written as an empty field.</summary>
    public void Row(params ReadOnlySpan<string?> fields)
    {
        // CsvHelper checks the count too; this message names the file and the row.
        if (fields.Length != columns)
            throw new InvalidOperationException($"{fileName}: row {Rows + 1} has {fields.Length} fields, header has {columns}");
        writer.WriteRecord(fields!);
        Rows++;
        if (Rows % ProgressEvery == 0) progress?.Report((fileName, Rows));
    }

    public void Dispose()
    {
        writer.Dispose();
        progress?.Report((fileName, Rows));
    }
}
